/// Recomputes the whole log from the stored entries and checks every stored
/// checkpoint against it, naming the first thing that is wrong.
public struct LedgerVerifier: Sendable {
    public struct Report: Sendable {
        public var entries: Int
        public var checkpoints: Int
        public var root: [UInt8]
        /// The first discrepancy, or nil when everything verifies.
        public var problem: Problem?
    }

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The first index known to be bad (for a checkpoint, the first index it covers that could differ).
        public var index: Int
        public var reason: String
        public var description: String { "index \(index): \(reason)" }
    }

    let store: any LedgerStore
    let keys: LedgerKeyHistory
    let origin: String

    /// Each checkpoint is checked with the key in force at its size.
    public init(store: any LedgerStore, keys: LedgerKeyHistory, origin: String) {
        self.store = store
        self.keys = keys
        self.origin = origin
    }

    public init(store: any LedgerStore, publicKey: LedgerPublicKey, origin: String) {
        self.init(store: store, keys: LedgerKeyHistory(publicKey), origin: origin)
    }

    /// `progress` is told the entries checked so far after each page.
    public func verify(pageSize: Int = 20_000, progress: (@Sendable (Int) -> Void)? = nil) async throws -> Report {
        var tree = MerkleTree()
        var expected = 0
        var checkpointSizes: [Int] = []
        // Roots at the checkpoints' sizes, taken as the rebuilt tree passes them: the tree keeps only what it
        // needs to grow, not every level, so earlier roots are not asked of it afterwards.
        let stored = try await store.checkpoints().sorted(by: { $0.size < $1.size })
        var pending = stored.map(\.size)[...]
        var rootsAt: [Int: [UInt8]] = [:]
        func fail(_ index: Int, _ reason: String) -> Report {
            Report(entries: expected, checkpoints: 0, root: tree.currentRoot(), problem: Problem(index: index, reason: reason))
        }
        while true {
            let page = try await store.entries(from: expected, limit: pageSize)
            if page.isEmpty { break }
            for stored in page {
                guard stored.index == expected else {
                    return fail(expected, "entry \(expected) is missing; the next stored entry is \(stored.index)")
                }
                guard let index = LedgerEntry.index(inCanonical: stored.bytes) else {
                    return fail(expected, "the stored bytes are not a valid entry")
                }
                guard index == expected else {
                    return fail(expected, "the entry stored here says it is entry \(index): entries were moved or replaced")
                }
                let leaf = MerkleHash.leaf(stored.bytes)
                guard leaf == stored.leafHash else { return fail(expected, "the entry's bytes do not match its leaf hash: it was altered") }
                tree.append(leafHash: leaf)
                expected += 1
                while let next = pending.first, next <= tree.size {
                    if next == tree.size { rootsAt[next] = tree.currentRoot() }
                    pending.removeFirst()
                }
            }
            progress?(expected)
        }
        var previous = 0
        for (size, note) in stored {
            let checkpoint: Checkpoint
            do {
                checkpoint = try Checkpoint.verify(note: note, publicKey: keys.key(forSize: size))
            } catch {
                return fail(previous, "checkpoint at size \(size): \(error)")
            }
            guard checkpoint.origin == origin else { return fail(previous, "checkpoint at size \(size) is for origin '\(checkpoint.origin)'") }
            guard checkpoint.size == size else { return fail(previous, "checkpoint stored as size \(size) says size \(checkpoint.size)") }
            guard size <= tree.size else {
                return fail(tree.size, "checkpoint at size \(size) covers entries that are no longer stored (the log has \(tree.size))")
            }
            guard (size == 0 ? MerkleHash.empty : rootsAt[size]) == checkpoint.root else {
                return fail(
                    previous,
                    "the log's first \(size) entries do not match the signed checkpoint at size \(size); the change lies in \(previous)..<\(size)"
                )
            }
            previous = size
            checkpointSizes.append(size)
        }
        return Report(entries: tree.size, checkpoints: checkpointSizes.count, root: tree.currentRoot(), problem: nil)
    }
}
