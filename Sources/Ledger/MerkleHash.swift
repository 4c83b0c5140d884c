import Crypto
import Foundation

/// RFC 9162 (Certificate Transparency 2.0) hashing: leaves and interior nodes
/// are domain-separated so a leaf can never be passed off as a node.
public enum MerkleHash {
    public static let size = 32

    /// SHA-256(0x00 ‖ entry)
    public static func leaf(_ entry: some DataProtocol) -> [UInt8] {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        hasher.update(data: entry)
        return hasher.finalize().withUnsafeBytes { Array($0) }
    }

    /// SHA-256(0x00 ‖ entry), over the array's buffer (the generic form walks `DataProtocol` regions).
    public static func leaf(_ entry: [UInt8]) -> [UInt8] {
        entry.withUnsafeBytes { digest(0x00, $0) }.withUnsafeBytes { Array($0) }
    }

    /// Whether `hash` is SHA-256(0x00 ‖ head ‖ list ‖ tail): an entry's leaf hash, checked over the parts it is
    /// stored in without putting them together.
    static func leafMatches(
        _ head: UnsafeRawBufferPointer,
        _ list: UnsafeRawBufferPointer,
        _ tail: UnsafeRawBufferPointer,
        hash: UnsafeRawBufferPointer
    )
        -> Bool
    {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: head)
        hasher.update(bufferPointer: list)
        hasher.update(bufferPointer: tail)
        return hasher.finalize().withUnsafeBytes { digest in
            digest.count == hash.count && memcmp(digest.baseAddress!, hash.baseAddress!, digest.count) == 0
        }
    }

    /// SHA-256(0x01 ‖ left ‖ right) for two sibling hashes that lie side by side in `pair`.
    static func node(pair: UnsafeRawBufferPointer) -> SHA256.Digest {
        digest(0x01, pair)
    }

    /// SHA-256(`domain` ‖ `bytes`): the buffer forms above, one hasher each.
    private static func digest(_ domain: UInt8, _ bytes: UnsafeRawBufferPointer) -> SHA256.Digest {
        var hasher = SHA256()
        withUnsafeBytes(of: domain) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: bytes)
        return hasher.finalize()
    }

    /// SHA-256(0x01 ‖ left ‖ right)
    public static func node(_ left: some DataProtocol, _ right: some DataProtocol) -> [UInt8] {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x01)) { hasher.update(bufferPointer: $0) }
        hasher.update(data: left)
        hasher.update(data: right)
        return hasher.finalize().withUnsafeBytes { Array($0) }
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
