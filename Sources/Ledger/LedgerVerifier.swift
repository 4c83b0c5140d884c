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

    /// `progress` is told the entries checked so far after each page. Each core reads and checks its own
    /// part of a page (`checkedPage`) while the tree grows from the page before: only the tree's own
    /// hashing, about one node an entry, is done in order.
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
        let (store, parts) = (self.store, max(1, ProcessInfo.processInfo.activeProcessorCount))
        var checking = Task { try await Self.checkedPage(store, from: 0, size: pageSize, parts: parts) }
        defer { checking.cancel() }
        while true {
            let page = try await checking.value
            if page.entries.isEmpty && page.problem == nil { break }
            if page.problem == nil {
                let next = expected + page.entries.count
                checking = Task { try await Self.checkedPage(store, from: next, size: pageSize, parts: parts) }
            }
            for entry in page.entries {
                tree.append(leafHash: entry.leafHash)
                while let next = pending.first, next <= tree.size {
                    if next == tree.size { rootsAt[next] = tree.currentRoot() }
                    pending.removeFirst()
                }
            }
            expected += page.entries.count
            // The entries before a problem are sound: the report counts them, as a sequential check would.
            if let problem = page.problem { return fail(problem.index, problem.reason) }
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

    /// The sound entries of the page at `first..<first + size`, up to the first problem if there is one:
    /// read and checked in `parts` parts at once, each part a read of its own.
    static func checkedPage(
        _ store: any LedgerStore,
        from first: Int,
        size: Int,
        parts: Int
    ) async throws -> (
        entries: [StoredLedgerEntry], problem: Problem?
    ) {
        let ranges = (0..<parts).map { (first + size * $0 / parts)..<(first + size * ($0 + 1) / parts) }
        var results = [(entries: [StoredLedgerEntry], problem: Problem?)](repeating: ([], nil), count: parts)
        try await withThrowingTaskGroup(of: (Int, [StoredLedgerEntry], Problem?).self) { group in
            for (part, range) in ranges.enumerated() {
                group.addTask {
                    // A part's read runs on past its end only when entries are missing, and the check names that.
                    let entries = try await store.entries(from: range.lowerBound, limit: range.count)
                    return (part, entries, firstProblem(in: entries, from: range.lowerBound))
                }
            }
            for try await (part, entries, problem) in group { results[part] = (entries, problem) }
        }
        var entries: [StoredLedgerEntry] = []
        entries.reserveCapacity(size)
        for (range, result) in zip(ranges, results) {
            if let problem = result.problem {
                entries += result.entries[..<(problem.index - range.lowerBound)]
                return (entries, problem)
            }
            entries += result.entries
            // A short part is the end of the log: the parts after it found nothing.
            if result.entries.count < range.count { break }
        }
        return (entries, nil)
    }

    /// The first entry of `entries`, meant to sit at `first...`, that is not where it should be, does not
    /// say so itself, or does not hash to its stored leaf hash.
    private static func firstProblem(in entries: [StoredLedgerEntry], from first: Int) -> Problem? {
        for (offset, stored) in entries.enumerated() {
            let expected = first + offset
            guard stored.index == expected else {
                return Problem(index: expected, reason: "entry \(expected) is missing; the next stored entry is \(stored.index)")
            }
            guard let index = LedgerEntry.index(inCanonical: stored.bytes) else {
                return Problem(index: expected, reason: "the stored bytes are not a valid entry")
            }
            guard index == expected else {
                return Problem(index: expected, reason: "the entry stored here says it is entry \(index): entries were moved or replaced")
            }
            guard MerkleHash.leafMatches(stored.bytes, stored.leafHash) else {
                return Problem(index: expected, reason: "the entry's bytes do not match its leaf hash: it was altered")
            }
        }
        return nil
    }
}
