import Foundation

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

    /// `progress` is told the entries checked so far after each run of `runLength` entries. Runs are read and
    /// checked (`LedgerStore.checkedLeaves`) one more at a time than there are cores, each a read of its own,
    /// while the tree grows, in order, from the runs already checked: only the tree's own hashing, about one
    /// node an entry, is done in order, and a core that finishes its run starts the next one straight away.
    public func verify(runLength: Int = 10_000, progress: (@Sendable (Int) -> Void)? = nil) async throws -> Report {
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
        let store = self.store
        let (runLength, inFlight) = (max(1, runLength), ProcessInfo.processInfo.activeProcessorCount + 1)
        // A run's read goes on past its end only when entries are missing, and its check names that.
        var reading: [Task<CheckedLeaves, any Error>] = []
        var nextRun = 0
        func readAhead() {
            while reading.count < inFlight {
                let from = nextRun
                reading.append(Task { try await store.checkedLeaves(from: from, limit: runLength) })
                nextRun += runLength
            }
        }
        defer { for task in reading { task.cancel() } }
        while true {
            readAhead()
            let run = try await reading.removeFirst().value
            for offset in 0..<run.count {
                tree.append(leafHash: run.leafHash(offset))
                while let next = pending.first, next <= tree.size {
                    if next == tree.size { rootsAt[next] = tree.currentRoot() }
                    pending.removeFirst()
                }
            }
            expected += run.count
            // The entries before a problem are sound: the report counts them, as a sequential check would.
            if let problem = run.problem { return fail(problem.index, problem.reason) }
            progress?(expected)
            // A short run is the end of the log: the runs after it find nothing.
            if run.count < runLength { break }
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
