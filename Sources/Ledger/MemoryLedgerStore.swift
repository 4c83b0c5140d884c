import Synchronization

/// A ledger store in memory, for tests and benchmarks: the same batch algorithm as the durable stores
/// (`LedgerBatch`), no durability. Its state is open so tests can tamper with it or make appends fail.
public final class MemoryLedgerStore: LedgerStore {
    public struct State: Sendable {
        public var entries: [StoredLedgerEntry] = []
        public var checkpoints: [Int: String] = [:]
        public var tileRoots: [Int: [Int: [UInt8]]] = [:]
        /// Makes every append fail with `MemoryLedgerStore.Failure.appendsFailing`, as a broken disk would.
        public var failAppends = false
        /// Appends run: one a batch.
        public var appendCalls = 0
        /// Leaf hashes handed out by `leafHashes`, to see what opening reads.
        public var leafHashesRead = 0
    }

    public enum Failure: Error { case appendsFailing }

    /// The kind of effect this store runs: none can be made.
    private enum NoEffects: LedgerEffect {}

    public let state = Mutex(State())

    public init() {}

    /// Effects are not run here: each caller with one fails with `LedgerEffectError.unsupported`.
    /// Preconditions are checked against no change mark, so they fail.
    public func append(_ batch: LedgerBatch) async throws -> LedgerBatch {
        try state.withLock { state in
            state.appendCalls += 1
            if state.failAppends { throw Failure.appendsFailing }
            var batch = batch
            let entries = state.entries
            try batch.found(size: entries.count, lastTime: try entries.last?.decoded().time) { from in entries[from...].map(\.leafHash) }
            _ = batch.effects(of: NoEffects.self)
            if batch.changeMarkNeeded { batch.checkPreconditions(changeMark: nil) }
            state.entries += try batch.rows().map(\.stored)
            return batch
        }
    }

    public func entries(from index: Int, limit: Int) async throws -> [StoredLedgerEntry] {
        state.withLock { state in index < state.entries.count ? Array(state.entries[index..<min(state.entries.count, index + limit)]) : [] }
    }

    public func leafHashes(from index: Int, count: Int) async throws -> [[UInt8]] {
        state.withLock { state in
            let hashes = state.entries[min(index, state.entries.count)...].prefix(count).map(\.leafHash)
            state.leafHashesRead += hashes.count
            return hashes
        }
    }

    public func tileRoots(height: Int) async throws -> [[UInt8]] {
        state.withLock { state in TileRoots.leadingRun((state.tileRoots[height] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }) }
    }

    public func saveTileRoots(height: Int, from tile: Int, _ roots: [[UInt8]]) async throws {
        state.withLock { state in
            for (offset, root) in roots.enumerated() { state.tileRoots[height, default: [:]][tile + offset] = root }
        }
    }

    public func dropTileRoots(height: Int, from tile: Int) async throws {
        state.withLock { state in state.tileRoots[height] = state.tileRoots[height]?.filter { $0.key < tile } }
    }

    public func saveCheckpoint(size: Int, note: String) async throws -> String {
        state.withLock { state in
            if state.checkpoints[size] == nil { state.checkpoints[size] = note }
            return state.checkpoints[size] ?? note
        }
    }

    public func latestCheckpoint() async throws -> (size: Int, note: String)? {
        state.withLock { state in state.checkpoints.max { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    public func checkpoints() async throws -> [(size: Int, note: String)] {
        state.withLock { state in state.checkpoints.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// Filters by recipient and `after` only: enough for the verifier and the tests that use it.
    public func query(_ query: LedgerQuery) async throws -> [StoredLedgerEntry] {
        state.withLock { $0.entries }.filter { stored in
            guard let e = try? stored.decoded() else { return false }
            if let recipient = query.recipient, e.recipient != recipient { return false }
            if let after = query.after, e.index <= after { return false }
            return true
        }
    }
}
