import Crypto
import Foundation
import Synchronization

/// Keyed HMAC-SHA256 tokens. Each partner has its own key, derived from the
/// master key with HKDF, so one person gets the same token in every view a
/// partner receives, and tokens cannot be linked across partners.
public struct Pseudonymiser: Sendable {
    /// HMAC already keyed: copying the struct copies its state, so each token skips the key setup.
    private let keyed: HMAC<SHA256>
    /// Tokens already made for person ids (random UUIDs, no personal data in themselves): partners
    /// see the same people again and again, and an HMAC costs more than the rest of a view's fields
    /// together. Names, phones and emails are never kept. Bounded; cleared when full; keyed by the id's
    /// 16 bytes, so a lookup hashes no text.
    private let cache = TokenCache()

    public init(masterKey: SymmetricKey, partnerID: String) {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: masterKey, salt: Data("casegate-pseudonym-v1".utf8), info: Data(partnerID.utf8), outputByteCount: 32
        )
        keyed = HMAC<SHA256>(key: key)
    }

    /// "pn_" and 128 bits of HMAC in hex. `namespace` keeps different kinds of value apart.
    public func token(_ value: String, namespace: String) -> String {
        makeToken(value, namespace: namespace)
    }

    /// The token of a person id (its upper-case text, as `token(_:namespace:)` would make it), remembered.
    public func token(person id: UUID, namespace: String) -> String {
        let key = CacheKey(namespace: namespace, id: id)
        if let token = cache.tokens.withLock({ $0[key] }) { return token }
        let token = makeToken(id.uuidString, namespace: namespace)
        cache.tokens.withLock { tokens in
            if tokens.count >= TokenCache.limit { tokens.removeAll(keepingCapacity: true) }
            tokens[key] = token
        }
        return token
    }

    private func makeToken(_ value: String, namespace: String) -> String {
        var mac = keyed
        mac.update(data: Array(namespace.utf8))
        mac.update(data: [0])
        mac.update(data: Array(value.utf8))
        let digest = mac.finalize()
        var out = "pn_"
        out.reserveCapacity(35)
        for byte in digest.prefix(16) {
            out.append(Self.hex[Int(byte >> 4)])
            out.append(Self.hex[Int(byte & 0xF)])
        }
        return out
    }

    private static let hex = Array("0123456789abcdef")
}

private struct CacheKey: Hashable {
    var namespace: String
    var id: UUID
}

private final class TokenCache: Sendable {
    static let limit = 65_536
    let tokens = Mutex<[CacheKey: String]>([:])
}
