/// How a ledger store reads back the tile roots it recorded (`LedgerStore.tileRoots`), whichever store it is.
public enum TileRoots {
    /// The roots of tiles 0, 1, 2, … from rows ordered by tile, up to the first tile missing or a root that
    /// is not a hash: the tree is built from those and the leaves after them, so a record with a gap or
    /// a malformed row costs only time at startup. (A root altered to another hash makes a tree that
    /// disagrees with the signed checkpoints and with that tile's leaves, which every proof checks.)
    public static func leadingRun(_ rows: [(tile: Int, root: [UInt8])]) -> [[UInt8]] {
        var roots: [[UInt8]] = []
        roots.reserveCapacity(rows.count)
        for row in rows {
            guard row.tile == roots.count, row.root.count == MerkleHash.size else { break }
            roots.append(row.root)
        }
        return roots
    }
}
