import Crypto

/// RFC 9162 (Certificate Transparency 2.0) hashing: leaves and interior nodes
/// are domain-separated so a leaf can never be passed off as a node.
public enum MerkleHash {
    public static let size = 32

    /// SHA-256(0x00 ‖ entry)
    public static func leaf(_ entry: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: Array(entry))
        return Array(hasher.finalize())
    }

    /// SHA-256(0x01 ‖ left ‖ right)
    public static func node(_ left: some Collection<UInt8>, _ right: some Collection<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: Array(left))
        hasher.update(data: Array(right))
        return Array(hasher.finalize())
    }

    /// The root of the empty tree: SHA-256 of nothing.
    public static let empty: [UInt8] = Array(SHA256.hash(data: [UInt8]()))
}

/// Largest power of two strictly less than n (n > 1), the split point RFC 9162 uses.
@inline(__always)
func splitPoint(_ n: Int) -> Int {
    precondition(n > 1)
    return 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
}
