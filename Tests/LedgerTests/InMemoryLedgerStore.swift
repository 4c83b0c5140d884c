import Ledger
import Synchronization

/// A ledger store in memory, with hooks to tamper with it and to make appends fail.
final class InMemoryLedgerStore: LedgerStore {
    struct State {
        var entries: [StoredLedgerEntry] = []
        var checkpoints: [Int: String] = [:]
        var tileRoots: [Int: [Int: [UInt8]]] = [:]
        var failAppends = false
        var appendCalls = 0
        /// Leaf hashes handed out by `leafHashes`, to see what opening reads.
        var leafHashesRead = 0
    }

    let state = Mutex(State())

    /// Effects are not run here: each caller with one fails with `unsupported`.
    func append(knownSize: Int, effects: [(any LedgerEffect)?],
                _ build: @escaping @Sendable (LedgerHead, Set<Int>) throws -> [LedgerRow]) async throws -> LedgerAppendResult {
        try state.withLock { state in
            state.appendCalls += 1
            if state.failAppends { throw TestFailure.appendFailed }
            let head = LedgerHead(size: state.entries.count, newLeafHashes: state.entries[knownSize...].map(\.leafHash),
                                  lastTime: try state.entries.last?.decoded().time)
            var failures: [Int: any Error] = [:]
            for (position, effect) in effects.enumerated() where effect != nil { failures[position] = LedgerEffectError.unsupported("effect") }
            state.entries += try build(head, Set(failures.keys)).map(\.stored)
            return LedgerAppendResult(head: head, failures: failures)
        }
    }

    func entries(from index: Int, limit: Int) async throws -> [StoredLedgerEntry] {
        state.withLock { state in Array(state.entries.filter { $0.index >= index }.sorted { $0.index < $1.index }.prefix(limit)) }
    }

    func leafHashes(from index: Int, count: Int) async throws -> [[UInt8]] {
        state.withLock { state in
            let hashes = state.entries[min(index, state.entries.count)...].prefix(count).map(\.leafHash)
            state.leafHashesRead += hashes.count
            return hashes
        }
    }

    func tileRoots(height: Int) async throws -> [[UInt8]] {
        state.withLock { state in TileRoots.leadingRun((state.tileRoots[height] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }) }
    }

    func saveTileRoots(height: Int, from tile: Int, _ roots: [[UInt8]]) async throws {
        state.withLock { state in
            for (offset, root) in roots.enumerated() { state.tileRoots[height, default: [:]][tile + offset] = root }
        }
    }

    func dropTileRoots(height: Int, from tile: Int) async throws {
        state.withLock { state in state.tileRoots[height] = state.tileRoots[height]?.filter { $0.key < tile } }
    }

    func saveCheckpoint(size: Int, note: String) async throws -> String {
        state.withLock { state in
            if state.checkpoints[size] == nil { state.checkpoints[size] = note }
            return state.checkpoints[size]!
        }
    }

    func latestCheckpoint() async throws -> (size: Int, note: String)? {
        state.withLock { state in state.checkpoints.max { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    func checkpoints() async throws -> [(size: Int, note: String)] {
        state.withLock { state in state.checkpoints.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    func query(_ query: LedgerQuery) async throws -> [StoredLedgerEntry] {
        state.withLock { $0.entries }.filter { stored in
            guard let e = try? stored.decoded() else { return false }
            if let recipient = query.recipient, e.recipient != recipient { return false }
            if let after = query.after, e.index <= after { return false }
            return true
        }
    }

    enum TestFailure: Error { case appendFailed }
}
