import Foundation
import Synchronization

/// Proof that an entry is in the log: hand it to the partner with the response.
public struct LedgerReceipt: Sendable, Equatable {
    public var index: Int
    /// The entry's leaf hash, SHA-256(0x00 ‖ entry).
    public var entryHash: [UInt8]
    public var entryBytes: [UInt8]
}

/// The append-only, verifiable log of processing.
///
/// Appends are group-committed: whoever finds no write in progress writes
/// every queued entry in one transaction (one fsync), then wakes each caller
/// with its receipt. A caller's entry is durable before `append` returns.
public final class Ledger: Sendable {
    public let store: any LedgerStore
    public let key: LedgerSigningKey
    public let origin: String

    private struct Pending {
        var drafts: [LedgerDraft]
        var effect: (any LedgerEffect)?
        var continuation: CheckedContinuation<[LedgerReceipt], any Error>
    }

    private struct State {
        var tree: MerkleTree
        var queue: [Pending] = []
        var writing = false
        var lastCheckpoint: (size: Int, note: String)?
        /// Entry times never go backwards, even if the wall clock does: time ranges map to index ranges.
        var lastTime = Date.distantPast
    }

    private let state: Mutex<State>
    private let clock: @Sendable () -> Date

    /// Opens the ledger over a store, rebuilding the tree from the stored leaf hashes.
    public static func open(store: any LedgerStore, key: LedgerSigningKey, origin: String, clock: @escaping @Sendable () -> Date = { Date() }) async throws -> Ledger {
        let tree = MerkleTree(leafHashes: try await store.leafHashes(from: 0))
        let last = try await store.latestCheckpoint()
        let ledger = Ledger(store: store, key: key, origin: origin, tree: tree, lastCheckpoint: last, clock: clock)
        if tree.size > 0, let newest = try await store.entries(from: tree.size - 1, limit: 1).first,
           let time = LedgerEntry.date(fromTimestamp: try newest.decoded().time) {
            ledger.state.withLock { $0.lastTime = time }
        }
        return ledger
    }

    private init(store: any LedgerStore, key: LedgerSigningKey, origin: String, tree: MerkleTree, lastCheckpoint: (size: Int, note: String)?,
                 clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.key = key
        self.origin = origin
        self.state = Mutex(State(tree: tree, lastCheckpoint: lastCheckpoint))
        self.clock = clock
    }

    public var size: Int { state.withLock { $0.tree.size } }

    public var publicKey: LedgerPublicKey { key.publicKey }

    public func append(_ draft: LedgerDraft) async throws -> LedgerReceipt {
        try await append([draft])[0]
    }

    /// Appends entries as consecutive indices; returns once they are durable. With an `effect`, the store
    /// runs it in the same transaction: both are durable or neither is, and the effect's error is thrown.
    public func append(_ drafts: [LedgerDraft], effect: (any LedgerEffect)? = nil) async throws -> [LedgerReceipt] {
        try await withCheckedThrowingContinuation { continuation in
            let lead = state.withLock { state in
                state.queue.append(Pending(drafts: drafts, effect: effect, continuation: continuation))
                if state.writing { return false }
                state.writing = true
                return true
            }
            if lead { Task { await self.writeQueued() } }
        }
    }

    /// Writes everything queued, batch after batch, until the queue is empty.
    private func writeQueued() async {
        while true {
            let next: ([Pending], Int)? = state.withLock { state in
                if state.queue.isEmpty {
                    state.writing = false
                    return nil
                }
                defer { state.queue.removeAll(keepingCapacity: true) }
                return (state.queue, state.tree.size)
            }
            guard let (batch, knownSize) = next else { return }
            let drafts = batch.map(\.drafts)
            let rows: [LedgerRow]
            let result: LedgerAppendResult
            do {
                // Built under the store's write lock, from the head it found there, leaving out callers whose effect failed.
                let built = Mutex<[LedgerRow]>([])
                result = try await store.append(knownSize: knownSize, effects: batch.map(\.effect)) { [self] head, failed in
                    let time = self.entryTime(after: head.lastTime)
                    var index = head.size
                    var rows: [LedgerRow] = []
                    rows.reserveCapacity(drafts.reduce(0) { $0 + $1.count })
                    for (position, mine) in drafts.enumerated() where !failed.contains(position) {
                        for draft in mine {
                            let entry = draft.entry(index: index, time: time)
                            let bytes = try entry.canonicalBytes()
                            rows.append((entry, StoredLedgerEntry(index: index, bytes: bytes, leafHash: MerkleHash.leaf(bytes))))
                            index += 1
                        }
                    }
                    built.withLock { $0 = rows }
                    return rows
                }
                rows = built.withLock { $0 }
            } catch {
                for pending in batch { pending.continuation.resume(throwing: error) }
                continue
            }
            state.withLock { state in
                state.tree.integrate(from: knownSize, result.head.newLeafHashes)
                state.tree.integrate(from: result.head.size, rows.map(\.stored.leafHash))
            }
            var offset = 0
            for (position, pending) in batch.enumerated() {
                if let failure = result.failures[position] {
                    pending.continuation.resume(throwing: failure)
                    continue
                }
                let mine = rows[offset..<offset + pending.drafts.count].map {
                    LedgerReceipt(index: $0.stored.index, entryHash: $0.stored.leafHash, entryBytes: $0.stored.bytes)
                }
                offset += pending.drafts.count
                pending.continuation.resume(returning: mine)
            }
        }
    }

    /// The time for the next batch: the clock, held back from going behind the last entry's time
    /// (this process's, or another writer's as the store reports it).
    private func entryTime(after stored: String?) -> Date {
        state.withLock { state in
            state.lastTime = max(state.lastTime, clock())
            if let stored, stored > LedgerEntry.timestamp(state.lastTime), let time = LedgerEntry.date(fromTimestamp: stored) {
                state.lastTime = time
            }
            return state.lastTime
        }
    }

    /// Brings the tree up to the store: entries other writers (processes or instances) appended.
    public func catchUp() async throws {
        let known = size
        let hashes = try await store.leafHashes(from: known)
        guard !hashes.isEmpty else { return }
        state.withLock { $0.tree.integrate(from: known, hashes) }
    }

    public func root(size: Int) -> [UInt8] { state.withLock { $0.tree.root(size: size) } }

    public func inclusionProof(index: Int, size: Int) throws(LedgerError) -> [[UInt8]] {
        try state.withLock { state throws(LedgerError) in
            guard size <= state.tree.size else { throw .beyondTree(size: size, treeSize: state.tree.size) }
            guard index >= 0, index < size else { throw .indexOutOfRange(index: index, size: size) }
            return state.tree.inclusionProof(index: index, size: size)
        }
    }

    public func consistencyProof(from: Int, to: Int) throws(LedgerError) -> [[UInt8]] {
        try state.withLock { state throws(LedgerError) in
            guard to <= state.tree.size else { throw .beyondTree(size: to, treeSize: state.tree.size) }
            guard from > 0, from <= to else { throw .badRange(from: from, to: to) }
            return state.tree.consistencyProof(from: from, to: to)
        }
    }

    /// The latest signed checkpoint, signing a new one first when entries have
    /// arrived since the last (so it always covers every receipt given out).
    public func checkpoint() async throws -> (size: Int, note: String) {
        try await catchUp()
        let (size, root, last) = state.withLock { ($0.tree.size, $0.tree.root(), $0.lastCheckpoint) }
        if let last, last.size == size { return last }
        let signed = try Checkpoint(origin: origin, size: size, root: root).signed(with: key)
        // Another instance may have signed this size first: its note stands.
        let note = try await store.saveCheckpoint(size: size, note: signed)
        state.withLock { state in
            if (state.lastCheckpoint?.size ?? -1) < size { state.lastCheckpoint = (size, note) }
        }
        return (size, note)
    }

    /// Signs checkpoints every `interval` while entries arrive, until cancelled.
    public func signCheckpoints(every interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            _ = try? await checkpoint()
        }
    }
}

public enum LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    case beyondTree(size: Int, treeSize: Int)
    case indexOutOfRange(index: Int, size: Int)
    case badRange(from: Int, to: Int)

    public var description: String {
        switch self {
        case .beyondTree(let size, let treeSize): "size \(size) is beyond the tree (size \(treeSize))"
        case .indexOutOfRange(let index, let size): "index \(index) is not in a tree of size \(size)"
        case .badRange(let from, let to): "no consistency proof from \(from) to \(to): need 0 < from ≤ to"
        }
    }
}
