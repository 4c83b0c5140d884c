/// An append-only Merkle tree held in memory as the hashes of every complete,
/// aligned subtree, so roots and proofs for any size take O(log n) hashes.
///
/// Level k holds one 32-byte hash per complete subtree of 2^k leaves; the
/// arrays are flat bytes to keep a million-entry tree in about 64 MB.
public struct MerkleTree: Sendable {
    private var levels: [[UInt8]] = [[]]

    public init() {}

    public init(leafHashes: [[UInt8]]) {
        for hash in leafHashes { append(leafHash: hash) }
    }

    public var size: Int { levels[0].count / MerkleHash.size }

    public mutating func append(leafHash: [UInt8]) {
        precondition(leafHash.count == MerkleHash.size)
        levels[0].append(contentsOf: leafHash)
        var level = 0
        var index = size - 1
        // Each time the new leaf completes a subtree, add that subtree's hash one level up.
        while index & 1 == 1 {
            let right = node(level, index)
            let left = node(level, index - 1)
            level += 1
            if levels.count == level { levels.append([]) }
            levels[level].append(contentsOf: MerkleHash.node(left, right))
            index >>= 1
        }
    }

    /// Appends the leaves of `hashes` that are new, given that `hashes[0]` is leaf `start`: overlap
    /// with leaves already here is skipped, and a batch that would leave a gap is ignored.
    public mutating func integrate(from start: Int, _ hashes: [[UInt8]]) {
        guard start <= size, start + hashes.count > size else { return }
        for hash in hashes[(size - start)...] { append(leafHash: hash) }
    }

    public func leafHash(_ index: Int) -> [UInt8] { Array(node(0, index)) }

    /// The root of the first `size` leaves.
    public func root(size n: Int? = nil) -> [UInt8] {
        let n = n ?? size
        precondition(n <= size)
        return n == 0 ? MerkleHash.empty : subtree(start: 0, count: n)
    }

    /// The audit path for leaf `index` in the tree of the first `size` leaves (RFC 9162 §2.1.3.1).
    public func inclusionProof(index: Int, size n: Int) -> [[UInt8]] {
        precondition(index < n && n <= size)
        var proof: [[UInt8]] = []
        path(index, start: 0, count: n, into: &proof)
        return proof
    }

    /// The proof that the tree of size `from` is a prefix of the tree of size `to` (RFC 9162 §2.1.4.1).
    public func consistencyProof(from m: Int, to n: Int) -> [[UInt8]] {
        precondition(0 < m && m <= n && n <= size)
        var proof: [[UInt8]] = []
        subproof(m, start: 0, count: n, complete: true, into: &proof)
        return proof
    }

    private func path(_ m: Int, start: Int, count n: Int, into proof: inout [[UInt8]]) {
        guard n > 1 else { return }
        let k = splitPoint(n)
        if m < k {
            path(m, start: start, count: k, into: &proof)
            proof.append(subtree(start: start + k, count: n - k))
        } else {
            path(m - k, start: start + k, count: n - k, into: &proof)
            proof.append(subtree(start: start, count: k))
        }
    }

    private func subproof(_ m: Int, start: Int, count n: Int, complete: Bool, into proof: inout [[UInt8]]) {
        if m == n {
            if !complete { proof.append(subtree(start: start, count: n)) }
            return
        }
        let k = splitPoint(n)
        if m <= k {
            subproof(m, start: start, count: k, complete: complete, into: &proof)
            proof.append(subtree(start: start + k, count: n - k))
        } else {
            subproof(m - k, start: start + k, count: n - k, complete: false, into: &proof)
            proof.append(subtree(start: start, count: k))
        }
    }

    /// MTH of leaves [start, start + count): a stored node when aligned and complete, otherwise split.
    private func subtree(start: Int, count: Int) -> [UInt8] {
        if count & (count - 1) == 0 {
            let level = count.trailingZeroBitCount
            if start % count == 0 { return Array(node(level, start >> level)) }
        }
        if count == 1 { return Array(node(0, start)) }
        let k = splitPoint(count)
        return MerkleHash.node(subtree(start: start, count: k), subtree(start: start + k, count: count - k))
    }

    private func node(_ level: Int, _ index: Int) -> ArraySlice<UInt8> {
        let offset = index * MerkleHash.size
        return levels[level][offset..<(offset + MerkleHash.size)]
    }
}
