import Ledger

/// The leaf hashes of a log from one index to a checkpoint's size, authenticated by recomputing the
/// checkpoint's root from C2SP hash tiles: level-1 tiles give the roots of the complete 256-leaf tiles
/// before the range, level-0 tiles the leaves in it.
enum TiledLeaves {
    static let width = HashTilePath.fullWidth

    /// Tiles fetched for the leaves from `start` below `size`.
    static func requests(from start: Int, size: Int) -> Int {
        let before = start / width
        return (before + width - 1) / width + (size - before * width + width - 1) / width
    }

    /// The leaf hashes from `start`, in order; nil when the tiles do not hash to the checkpoint's root.
    static func fetch(from start: Int, under checkpoint: Checkpoint, _ log: any MonitoredLog) async throws -> [[UInt8]]? {
        let before = start / width
        var roots: [[UInt8]] = []
        for n in stride(from: 0, to: before, by: width) {
            let bytes = try await log.tile(HashTilePath(level: 1, index: n / width, width: min(width, before - n)))
            roots += hashes(bytes)
        }
        guard roots.count == before else { return nil }
        var tree = MerkleTree(tileRoots: roots)
        var leaves: [[UInt8]] = []
        for first in stride(from: before * width, to: checkpoint.size, by: width) {
            let bytes = try await log.tile(HashTilePath(level: 0, index: first / width, width: min(width, checkpoint.size - first)))
            for (offset, hash) in hashes(bytes).enumerated() {
                tree.append(leafHash: hash)
                if first + offset >= start { leaves.append(hash) }
            }
        }
        return tree.size == checkpoint.size && tree.currentRoot() == checkpoint.root ? leaves : nil
    }

    private static func hashes(_ bytes: [UInt8]) -> [[UInt8]] {
        stride(from: 0, to: bytes.count - bytes.count % MerkleHash.size, by: MerkleHash.size).map { Array(bytes[$0..<($0 + MerkleHash.size)]) }
    }
}
