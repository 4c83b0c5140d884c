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

    /// `progress` is told the entries checked so far after each page. The next page is read while this
    /// one is checked, each page's entries are checked on every core, and only the tree's own hashing,
    /// about one node an entry, is done in order.
    public func verify(pageSize: Int = 20_000, progress: (@Sendable (Int) -> Void)? = nil) async throws -> Report {
        var tree = MerkleTree()
        var expected = 0
        var checkpointSizes: [Int] = []
        // Roots at the checkpoints' sizes, taken as the rebuilt tree passes them: the tree keeps only what it
        // needs to grow, not every level, so earlier roots are not asked of it afterwards.
        let stored = try await store.checkpoints().sorted(by: { $0.size < $1.size })
        var pending = stored.map(\.size)[...]
        var rootsAt: [Int: [UInt8]] = [:]
        func fail(_ problem: Problem) -> Report {
            Report(entries: expected, checkpoints: 0, root: tree.currentRoot(), problem: problem)
        }
        func fail(_ index: Int, _ reason: String) -> Report { fail(Problem(index: index, reason: reason)) }
        let store = self.store
        var reading = Task { try await store.entries(from: 0, limit: pageSize) }
        defer { reading.cancel() }
        while true {
            let page = try await reading.value
            if page.isEmpty { break }
            let next = expected + page.count
            reading = Task { try await store.entries(from: next, limit: pageSize) }
            if let problem = await Self.firstProblem(in: page, from: expected) {
                // The entries before the problem are sound: the report counts them, as a sequential check would.
                for entry in page[..<(problem.index - expected)] { tree.append(leafHash: entry.leafHash) }
                expected = problem.index
                return fail(problem)
            }
            for entry in page {
                tree.append(leafHash: entry.leafHash)
                while let next = pending.first, next <= tree.size {
                    if next == tree.size { rootsAt[next] = tree.currentRoot() }
                    pending.removeFirst()
                }
            }
            expected = next
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

    /// Checks a page of entries meant to sit at `first...` on every core: each is where it should be, says
    /// so itself, and hashes to its stored leaf hash. The problem named is at the lowest index that is wrong.
    static func firstProblem(in page: [StoredLedgerEntry], from first: Int) async -> Problem? {
        let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount, page.count / 1024))
        let problems = await withTaskGroup(of: Problem?.self) { group in
            for chunk in 0..<chunks {
                let range = (page.count * chunk / chunks)..<(page.count * (chunk + 1) / chunks)
                group.addTask { firstProblem(in: page[range], from: first + range.lowerBound) }
            }
            return await group.reduce(into: [Problem]()) { if let problem = $1 { $0.append(problem) } }
        }
        return problems.min(by: { $0.index < $1.index })
    }

    private static func firstProblem(in entries: ArraySlice<StoredLedgerEntry>, from first: Int) -> Problem? {
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
