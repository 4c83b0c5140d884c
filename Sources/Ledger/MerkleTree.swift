/// An append-only Merkle tree held in memory as the hashes of complete, aligned subtrees, so roots and
/// proofs for any size take O(log n) hashes.
///
/// Memory is bounded by tiles: a tile is an aligned run of 2^`tileHeight` leaves. Levels from
/// `tileHeight` up are kept whole (one hash per 2^`tileHeight` leaves and fewer above); the levels below
/// keep only the last, incomplete tile. A proof or root that needs a node inside an earlier tile throws
/// `MissingTile`; the caller reads that tile's leaf hashes from the store and asks again with it
/// (`Ledger` does). With the default height of 8 a million entries hold about 250 KB, where keeping every
/// level held 64 MB.
public struct MerkleTree: Sendable {
    /// A proof or root needs the leaf hashes of this complete tile.
    public struct MissingTile: Error, Equatable {
        public let tile: Int
    }

    /// A tile's leaf hashes, as read from the store, do not hash to the tile's node this tree holds: the store
    /// was changed after the entries were appended.
    public struct TileMismatch: Error, Equatable, CustomStringConvertible {
        public let tile: Int

        public init(tile: Int) { self.tile = tile }
        public var description: String { "the stored leaf hashes of ledger tile \(tile) do not match the tree: the store was altered" }
    }

    /// The leaf hashes of one complete tile, with its lower levels computed once.
    public struct Tile: Sendable {
        /// Level k holds the 2^(tileHeight - k) hashes of that level within the tile, as flat bytes.
        fileprivate let levels: [[UInt8]]

        /// The tile's own root: the node one level above its top stored level.
        fileprivate var root: [UInt8] {
            let top = levels[levels.count - 1]
            return MerkleHash.node(top[..<MerkleHash.size], top[MerkleHash.size...])
        }

        public init(leafHashes: [[UInt8]], tileHeight: Int) {
            precondition(leafHashes.count == 1 << tileHeight)
            var levels = [leafHashes.flatMap { $0 }]
            for level in 1..<max(tileHeight, 1) {
                let below = levels[level - 1]
                var hashes: [UInt8] = []
                hashes.reserveCapacity(below.count / 2)
                for i in stride(from: 0, to: below.count, by: 2 * MerkleHash.size) {
                    hashes += MerkleHash.node(below[i..<(i + MerkleHash.size)], below[(i + MerkleHash.size)..<(i + 2 * MerkleHash.size)])
                }
                levels.append(hashes)
            }
            self.levels = levels
        }
    }

    public static let defaultTileHeight = 8
    /// Keeps every level: for trees that are built, used and dropped, such as a verifier's.
    public static let keepEverything = 62

    public let tileHeight: Int
    /// Level k's hashes, flat; below `tileHeight`, only those from `lowBase[k]` on.
    private var levels: [[UInt8]] = [[]]
    private var lowBase: [Int]
    public private(set) var size = 0

    public init(tileHeight: Int = MerkleTree.defaultTileHeight) {
        precondition(tileHeight >= 1 && tileHeight <= Self.keepEverything)
        self.tileHeight = tileHeight
        lowBase = Array(repeating: 0, count: tileHeight)
    }

    public init(leafHashes: [[UInt8]], tileHeight: Int = MerkleTree.defaultTileHeight) {
        self.init(tileHeight: tileHeight)
        for hash in leafHashes { append(leafHash: hash) }
    }

    /// The tree of the first `tileRoots.count` complete tiles, from their roots alone (as `tileRoots(from:)`
    /// gave them): what a long log keeps so that opening it reads one hash a tile instead of every leaf.
    /// Append the leaves after them to go on. A root that is not the hash of its tile's leaves in the store
    /// is found when a proof reads that tile (`check` throws `TileMismatch`).
    public init(tileRoots: [[UInt8]], tileHeight: Int = MerkleTree.defaultTileHeight) {
        self.init(tileHeight: tileHeight)
        precondition(tileHeight < Self.keepEverything || tileRoots.isEmpty)
        guard !tileRoots.isEmpty else { return }
        while levels.count <= tileHeight { levels.append([]) }
        for root in tileRoots {
            precondition(root.count == MerkleHash.size)
            levels[tileHeight].append(contentsOf: root)
            addCompletedSubtrees(above: tileHeight, index: levels[tileHeight].count / MerkleHash.size - 1)
        }
        size = tileRoots.count << tileHeight
        for k in 0..<tileHeight { lowBase[k] = size >> k }
    }

    /// Complete tiles: the leaves before `completeTiles << tileHeight` are covered by `tileRoots(from:)`.
    public var completeTiles: Int { tileHeight < Self.keepEverything ? size >> tileHeight : 0 }

    /// The roots of complete tiles `from` on, in order.
    public func tileRoots(from tile: Int) -> [[UInt8]] {
        guard tile < completeTiles else { return [] }
        return (tile..<completeTiles).map { Array(try! node(tileHeight, $0, tiles: [:])) }
    }

    public mutating func append(leafHash: [UInt8]) {
        append(leafHash: leafHash[...])
    }

    /// Appends a leaf hash that lies within a larger buffer (a run of them, as a verifier reads them).
    public mutating func append(leafHash: ArraySlice<UInt8>) {
        precondition(leafHash.count == MerkleHash.size)
        levels[0].append(contentsOf: leafHash)
        size += 1
        addCompletedSubtrees(above: 0, index: size - 1)
        // A tile just completed: its lower levels are in the store, and its hash one level up is kept.
        if tileHeight < Self.keepEverything && size & ((1 << tileHeight) - 1) == 0 {
            for k in 0..<min(tileHeight, levels.count) {
                levels[k].removeAll(keepingCapacity: true)
                lowBase[k] = size >> k
            }
        }
    }

    /// The node just added at (`level`, `index`) may complete subtrees: adds each one's hash a level up.
    private mutating func addCompletedSubtrees(above level: Int, index: Int) {
        var (level, index) = (level, index)
        while index & 1 == 1 {
            // The pair just completed is the last two hashes of its level (a tile's start is even at every level).
            let parent = levels[level].withUnsafeBytes {
                MerkleHash.node(pair: UnsafeRawBufferPointer(rebasing: $0[($0.count - 2 * MerkleHash.size)...]))
            }
            level += 1
            if levels.count == level { levels.append([]) }
            parent.withUnsafeBytes { levels[level].append(contentsOf: $0) }
            index >>= 1
        }
    }

    /// Appends the leaves of `hashes` that are new, given that `hashes[0]` is leaf `start`: overlap
    /// with leaves already here is skipped, and a batch that would leave a gap is ignored.
    public mutating func integrate(from start: Int, _ hashes: [[UInt8]]) {
        guard start <= size, start + hashes.count > size else { return }
        for hash in hashes[(size - start)...] { append(leafHash: hash) }
    }

    /// The root of the whole tree: never needs a tile from the store (earlier tiles enter it only through
    /// the levels kept whole).
    public func currentRoot() -> [UInt8] {
        do { return try root() } catch { preconditionFailure("the current root needs no stored tile") }
    }

    /// Accepts `tile` as complete tile `index` only if it hashes to the node this tree holds for it.
    public func check(_ tile: Tile, index: Int) throws(TileMismatch) -> Tile {
        guard index < size >> tileHeight, tile.root == Array(try! node(tileHeight, index, tiles: [:])) else {
            throw TileMismatch(tile: index)
        }
        return tile
    }

    /// The root of the first `size` leaves.
    public func root(size n: Int? = nil, tiles: [Int: Tile] = [:]) throws(MissingTile) -> [UInt8] {
        let n = n ?? size
        precondition(n <= size)
        return n == 0 ? MerkleHash.empty : try subtree(start: 0, count: n, tiles)
    }

    /// The audit path for leaf `index` in the tree of the first `size` leaves (RFC 9162 §2.1.3.1).
    public func inclusionProof(index: Int, size n: Int, tiles: [Int: Tile] = [:]) throws(MissingTile) -> [[UInt8]] {
        precondition(index < n && n <= size)
        var proof: [[UInt8]] = []
        try path(index, start: 0, count: n, tiles, into: &proof)
        return proof
    }

    /// The proof that the tree of size `from` is a prefix of the tree of size `to` (RFC 9162 §2.1.4.1).
    public func consistencyProof(from m: Int, to n: Int, tiles: [Int: Tile] = [:]) throws(MissingTile) -> [[UInt8]] {
        precondition(0 < m && m <= n && n <= size)
        var proof: [[UInt8]] = []
        try subproof(m, start: 0, count: n, complete: true, tiles, into: &proof)
        return proof
    }

    private func path(_ m: Int, start: Int, count n: Int, _ tiles: [Int: Tile], into proof: inout [[UInt8]]) throws(MissingTile) {
        guard n > 1 else { return }
        let k = splitPoint(n)
        if m < k {
            try path(m, start: start, count: k, tiles, into: &proof)
            proof.append(try subtree(start: start + k, count: n - k, tiles))
        } else {
            try path(m - k, start: start + k, count: n - k, tiles, into: &proof)
            proof.append(try subtree(start: start, count: k, tiles))
        }
    }

    private func subproof(_ m: Int, start: Int, count n: Int, complete: Bool, _ tiles: [Int: Tile], into proof: inout [[UInt8]]) throws(MissingTile) {
        if m == n {
            if !complete { proof.append(try subtree(start: start, count: n, tiles)) }
            return
        }
        let k = splitPoint(n)
        if m <= k {
            try subproof(m, start: start, count: k, complete: complete, tiles, into: &proof)
            proof.append(try subtree(start: start + k, count: n - k, tiles))
        } else {
            try subproof(m - k, start: start + k, count: n - k, complete: false, tiles, into: &proof)
            proof.append(try subtree(start: start, count: k, tiles))
        }
    }

    /// The hashes of `count` complete, aligned subtrees of 2^`level` leaves from the `from`-th, concatenated:
    /// a C2SP hash tile is 256 of them at level 8·L. Nil when the last of them is not complete yet.
    public func nodes(level: Int, from: Int, count: Int, tiles: [Int: Tile] = [:]) throws(MissingTile) -> [UInt8]? {
        guard level >= 0, level < 63, from >= 0, count >= 0, from <= size, count <= size, from + count <= size >> level else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(count * MerkleHash.size)
        for index in from..<(from + count) { out += try node(level, index, tiles: tiles) }
        return out
    }

    /// MTH of leaves [start, start + count): a stored node when aligned and complete, otherwise split.
    private func subtree(start: Int, count: Int, _ tiles: [Int: Tile]) throws(MissingTile) -> [UInt8] {
        if count & (count - 1) == 0 {
            let level = count.trailingZeroBitCount
            if start % count == 0 { return Array(try node(level, start >> level, tiles: tiles)) }
        }
        let k = splitPoint(count)
        return MerkleHash.node(try subtree(start: start, count: k, tiles), try subtree(start: start + k, count: count - k, tiles))
    }

    private func node(_ level: Int, _ index: Int, tiles: [Int: Tile]) throws(MissingTile) -> ArraySlice<UInt8> {
        if level >= tileHeight || index >= lowBase[level] {
            let offset = (level >= tileHeight ? index : index - lowBase[level]) * MerkleHash.size
            return levels[level][offset..<(offset + MerkleHash.size)]
        }
        let tile = (index << level) >> tileHeight
        guard let found = tiles[tile] else { throw MissingTile(tile: tile) }
        let offset = (index - (tile << (tileHeight - level))) * MerkleHash.size
        return found.levels[level][offset..<(offset + MerkleHash.size)]
    }
}
