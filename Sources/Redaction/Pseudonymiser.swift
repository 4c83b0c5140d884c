import ByteEncoding
import Crypto
import Foundation
import Synchronization

/// Keyed HMAC-SHA256 tokens. Each partner has its own key, derived with HKDF from the store's pseudonym
/// root (`StoreSecrets`, not the master key, so a master key rotation changes no token), so one person
/// gets the same token in every view a partner receives, and tokens cannot be linked across partners.
public struct Pseudonymiser: Sendable {
    /// HMAC already keyed: copying the struct copies its state, so each token skips the key setup.
    private let keyed: HMAC<SHA256>
    /// Tokens already made for person ids (random UUIDs, no personal data in themselves): partners
    /// see the same people again and again, and an HMAC costs more than the rest of a view's fields
    /// together. Names, phones and emails are never kept. A fixed table of slots chosen by the id's
    /// bytes, so a lookup hashes nothing and memory stays flat.
    private let cache = TokenCache()

    public init(root: SymmetricKey, partnerID: String) {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: root,
            salt: Data("casegate-pseudonym-v1".utf8),
            info: Data(partnerID.utf8),
            outputByteCount: 32
        )
        keyed = HMAC<SHA256>(key: key)
    }

    /// "pn_" and 128 bits of HMAC in hex. `namespace` keeps different kinds of value apart.
    public func token(_ value: String, namespace: String) -> String {
        makeToken(value, namespace: namespace)
    }

    /// The token of a person id (its upper-case text, as `token(_:namespace:)` would make it), remembered.
    public func token(person id: UUID, namespace: String) -> String {
        // Person ids are random, so their bytes pick the slot: no hashing.
        let slot = withUnsafeBytes(of: id.uuid) { Int(truncatingIfNeeded: $0.loadUnaligned(as: UInt64.self)) } & (TokenCache.slots - 1)
        let cached = cache.slots.withLock { slots in
            slots.isEmpty ? nil : slots[slot].flatMap { $0.id == id && $0.namespace == namespace ? $0.token : nil }
        }
        if let cached { return cached }
        let token = makeToken(id.text, namespace: namespace)
        cache.slots.withLock { slots in
            // Made on first use: compiling a policy set stays cheap, and partners that never see person ids hold no table.
            if slots.isEmpty { slots = Array(repeating: nil, count: TokenCache.slots) }
            slots[slot] = TokenCache.Entry(id: id, namespace: namespace, token: token)
        }
        return token
    }

    private func makeToken(_ value: String, namespace: String) -> String {
        // One buffer, one update: namespace, a zero byte, the value.
        var message = ByteWriter(capacity: namespace.utf8.count + value.utf8.count + 1)
        var namespace = namespace
        var value = value
        namespace.withUTF8 { message.append(contentsOf: $0) }
        message.append(0)
        value.withUTF8 { message.append(contentsOf: $0) }
        var mac = keyed
        message.withUnsafeBytes { mac.update(data: UnsafeRawBufferPointer($0)) }
        return mac.finalize().withUnsafeBytes { digest in
            String(unsafeUninitializedCapacity: 35) { text in
                let hex: StaticString = "0123456789abcdef"
                text[0] = UInt8(ascii: "p")
                text[1] = UInt8(ascii: "n")
                text[2] = UInt8(ascii: "_")
                for i in 0..<16 {
                    text[3 + 2 * i] = hex.utf8Start[Int(digest[i] >> 4)]
                    text[4 + 2 * i] = hex.utf8Start[Int(digest[i] & 0xF)]
                }
                return 35
            }
        }
    }
}

/// Direct-mapped: a new id replaces whatever shared its slot, so the cache never grows.
private final class TokenCache: Sendable {
    struct Entry {
        var id: UUID
        var namespace: String
        var token: String
    }

    static let slots = 1 << 15
    let slots = Mutex<[Entry?]>([])
}
