#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes as a dictionary key, hashed once as one block of memory and compared as one. `[UInt8]`'s own
/// `Hashable` feeds the hasher a byte at a time and compares element by element: for a kilobyte-long key
/// looked up on every request (a certificate's DER, a disclosed-field list) that was most of the lookup.
public struct ByteKey: Hashable, Sendable {
    public let bytes: [UInt8]
    /// The bytes' hash, made when the key is: a key made once and looked up often is hashed once.
    private let digest: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var hasher = Hasher()
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        digest = hasher.finalize()
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(digest)
    }

    public static func == (a: ByteKey, b: ByteKey) -> Bool {
        guard a.digest == b.digest, a.bytes.count == b.bytes.count else { return false }
        return a.bytes.withUnsafeBytes { x in
            b.bytes.withUnsafeBytes { y in
                x.count == 0 || x.baseAddress == y.baseAddress || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
            }
        }
    }
}
