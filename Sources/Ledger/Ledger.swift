import Foundation
import Metrics
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
    /// Where signed checkpoints are also written, outside the store.
    public let checkpointLog: CheckpointLog?

    private struct Pending {
        var drafts: [LedgerDraft]
        var effect: (any LedgerEffect)?
        var precondition: AppendPrecondition?
        var continuation: CheckedContinuation<Answer, any Error>
    }

    /// What the writer gives a caller back: the outcome, when its batch was taken and when it was answered,
    /// so that the caller, not the one writer, records how long it waited on either side of the commit.
    private struct Answer: Sendable {
        var outcome: LedgerAppendOutcome
        var takenAt: ContinuousClock.Instant
        var answeredAt: ContinuousClock.Instant
    }

    private struct State {
        var tree: MerkleTree
        var queue: [Pending] = []
        var writing = false
        var lastCheckpoint: (size: Int, note: String)?
        /// When this process last signed or found a checkpoint covering the whole log.
        var lastCheckpointAt: Date?
        /// Entry times never go backwards, even if the wall clock does: time ranges map to index ranges.
        var lastTime = Date.distantPast
        /// The stored time of the tree's last entry, when this process wrote or read it (see
        /// `LedgerBatch.assumingKnownHead`); nil when not known.
        var headTime: String?
        /// Complete tiles whose roots the store has recorded (see `recordTileRoots`).
        var recordedTiles = 0
    }

    private let state: Mutex<State>
    /// For a store that appends on the calling thread, the queue its writer runs on and the store as such;
    /// decided once here, not at every batch (`startWriting`). Nil for a store whose writer is a task.
    private let synchronousWriter: (queue: DispatchQueue, store: any SynchronousLedgerAppend)?
    private let clock: @Sendable () -> Date
    /// Entries a batch writes, and how long its store transaction takes (no-ops unless metrics are on).
    private let batchEntries = Recorder(label: LedgerMetrics.batchEntries)
    private let commitDuration = Metrics.Timer(label: LedgerMetrics.commitDuration)
    /// A caller's wait apart from its commit: for the writer to take its entries into a batch, and, once the
    /// batch is durable, to run again. With the commit's time they make up an append's, so that a slow append
    /// can be put down to the writer, the disk or the cores (docs/operating/metrics.md).
    private let queueWait = Metrics.Timer(label: LedgerMetrics.queueWait)
    private let resumeDelay = Metrics.Timer(label: LedgerMetrics.resumeDelay)

    /// Opens the ledger over a store: the tree from the tile roots the store recorded and the leaf hashes
    /// after them, so opening reads one hash a tile of a long log, not every leaf.
    public static func open(
        store: any LedgerStore,
        key: LedgerSigningKey,
        origin: String,
        checkpointLog: CheckpointLog? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> Ledger {
        let height = MerkleTree.defaultTileHeight
        var roots = try await store.tileRoots(height: height)
        // Recorded roots that reach past the last entry mean entries were removed from the store: they are
        // forgotten and the tree is built from the leaves there are (the signed checkpoints show the loss).
        if !roots.isEmpty, try await store.leafHashes(from: (roots.count << height) - 1, count: 1).isEmpty {
            // Should this fail, the stale roots are replaced as tiles complete, or forgotten again next time.
            try? await store.dropTileRoots(height: height, from: 0)
            roots = []
        }
        var tree = MerkleTree(tileRoots: roots, tileHeight: height)
        // In chunks, so starting on a log never recorded holds all its leaf hashes at once.
        while true {
            let chunk = try await store.leafHashes(from: tree.size, count: 1 << 16)
            if chunk.isEmpty { break }
            for hash in chunk { tree.append(leafHash: hash) }
        }
        let last = try await store.latestCheckpoint()
        let ledger = Ledger(store: store, key: key, origin: origin, checkpointLog: checkpointLog, tree: tree, lastCheckpoint: last, clock: clock)
        ledger.state.withLock { $0.recordedTiles = roots.count }
        if tree.size > 0, let newest = try await store.entries(from: tree.size - 1, limit: 1).first,
            let time = LedgerEntry.date(fromTimestamp: try newest.decoded().time)
        {
            ledger.state.withLock { $0.lastTime = time }
        }
        await ledger.recordTileRoots()
        return ledger
    }

    private init(
        store: any LedgerStore,
        key: LedgerSigningKey,
        origin: String,
        checkpointLog: CheckpointLog?,
        tree: MerkleTree,
        lastCheckpoint: (size: Int, note: String)?,
        clock: @escaping @Sendable () -> Date
    ) {
        self.store = store
        self.synchronousWriter = (store as? any SynchronousLedgerAppend).map { (DispatchQueue(label: "casegate.ledger-writer"), $0) }
        self.key = key
        self.origin = origin
        self.checkpointLog = checkpointLog
        self.state = Mutex(State(tree: tree, lastCheckpoint: lastCheckpoint))
        self.clock = clock
    }

    public var size: Int { state.withLock { $0.tree.size } }

    /// When a checkpoint covering every entry this process knows of was last signed or confirmed.
    public var lastCheckpointAt: Date? { state.withLock { $0.lastCheckpointAt } }

    public var publicKey: LedgerPublicKey { key.publicKey }

    public func append(_ draft: LedgerDraft) async throws -> LedgerReceipt {
        try await append([draft])[0]
    }

    /// Appends entries as consecutive indices; returns once they are durable. With an `effect`, the store
    /// runs it in the same transaction: both are durable or neither is, and the effect's error is thrown.
    public func append(_ drafts: [LedgerDraft], effect: (any LedgerEffect)? = nil) async throws -> [LedgerReceipt] {
        switch try await enqueue(drafts, effect: effect, precondition: nil) {
        case .recorded(let receipts): receipts
        case .notRecorded(let precondition): preconditionFailure("no precondition was given, yet \(precondition) failed")
        }
    }

    /// Appends entries if `precondition` holds when their batch commits, and says which happened.
    public func append(_ drafts: [LedgerDraft], precondition: AppendPrecondition) async throws -> LedgerAppendOutcome {
        try await enqueue(drafts, effect: nil, precondition: precondition)
    }

    private func enqueue(_ drafts: [LedgerDraft], effect: (any LedgerEffect)?, precondition: AppendPrecondition?) async throws -> LedgerAppendOutcome
    {
        let queuedAt = ContinuousClock.now
        let answer = try await withCheckedThrowingContinuation { continuation in
            let lead = state.withLock { state in
                state.queue.append(Pending(drafts: drafts, effect: effect, precondition: precondition, continuation: continuation))
                if state.writing { return false }
                state.writing = true
                return true
            }
            if lead { startWriting() }
        }
        queueWait.recordNanoseconds(Self.nanoseconds(answer.takenAt - queuedAt))
        resumeDelay.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - answer.answeredAt))
        return answer.outcome
    }

    /// Writes everything queued, batch after batch, until the queue is empty. A store that appends on the
    /// calling thread is called from a dispatch queue of the ledger's own. As a task on Swift concurrency's
    /// shared threads the writer waited behind the request tasks queued there at every step, and under load
    /// fell into fewer, larger and slower commits ([0038](../../docs/decisions/0038-ledger-writer-on-its-own-queue.md)).
    private func startWriting() {
        if let (queue, store) = synchronousWriter {
            queue.async { self.writeQueued(appendingWith: store) }
        } else {
            Task { await self.writeQueued() }
        }
    }

    private func writeQueued() async {
        while let (round, batch) = nextRound() {
            do {
                finish(round, written: try await store.append(batch))
            } catch {
                round.fail(error)
            }
        }
    }

    private func writeQueued(appendingWith store: some SynchronousLedgerAppend) {
        while let (round, batch) = nextRound() {
            do {
                finish(round, written: try store.appendSynchronously(batch))
            } catch {
                round.fail(error)
            }
            if round.pending.count >= Self.busyBatch { waitOneTurnOfTheSharedThreads() }
        }
    }

    /// Callers in a batch that say the gateway is busy: after such a batch the writer lets request tasks
    /// add their entries before it takes the next, so commits stay large when the cores are (0038).
    static let busyBatch = 4

    /// Returns once Swift concurrency's shared threads have run a job enqueued now, that is, after the
    /// request jobs already queued there.
    private func waitOneTurnOfTheSharedThreads() {
        let turn = DispatchSemaphore(value: 0)
        Task { turn.signal() }
        turn.wait()
    }

    /// One batch of the writer's: the callers it took from the queue, and the rows the store built for them
    /// (under its write lock, in the batch's closure, hence shared).
    private final class Round: Sendable {
        let pending: [Pending]
        let knownSize: Int
        let built = Mutex<[LedgerRow]>([])
        let started = ContinuousClock.now

        init(pending: [Pending], knownSize: Int) {
            self.pending = pending
            self.knownSize = knownSize
        }

        func fail(_ error: any Error) {
            for caller in pending { caller.continuation.resume(throwing: error) }
        }
    }

    /// The next batch: everything queued, built under the store's write lock from the head it finds there,
    /// leaving out callers that failed. Nil, and the writer stops, when nothing is queued.
    private func nextRound() -> (Round, LedgerBatch)? {
        let next: ([Pending], Int, String?)? = state.withLock { state in
            if state.queue.isEmpty {
                state.writing = false
                return nil
            }
            defer { state.queue.removeAll(keepingCapacity: true) }
            return (state.queue, state.tree.size, state.headTime)
        }
        guard let (pending, knownSize, knownLastTime) = next else { return nil }
        let round = Round(pending: pending, knownSize: knownSize)
        let drafts = pending.map(\.drafts)
        let batch = LedgerBatch(
            knownSize: knownSize,
            knownLastTime: knownLastTime,
            effects: pending.map(\.effect),
            preconditions: pending.map(\.precondition)
        ) { [self] head, failed in
            let rows = Self.rows(drafts, from: head.size, time: self.entryTime(after: head.lastTime), leavingOut: failed)
            round.built.withLock { $0 = rows }
            return rows
        }
        return (round, batch)
    }

    /// Brings the tree up to the written batch and answers each caller: its receipts, or why it has none.
    private func finish(_ round: Round, written: LedgerBatch) {
        commitDuration.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - round.started))
        let appended = round.built.withLock { $0 }
        batchEntries.record(appended.count)
        state.withLock { state in
            state.tree.integrate(from: round.knownSize, written.head.newLeafHashes)
            state.tree.integrate(from: written.head.size, appended.map(\.stored.leafHash))
            // Known only while nothing another writer added (`catchUp`) lies beyond this batch.
            let known = state.tree.size == written.head.size + appended.count
            state.headTime = known ? appended.last?.entry.time ?? written.head.lastTime : nil
        }
        var offset = 0
        let answeredAt = ContinuousClock.now
        let answer = { (outcome: LedgerAppendOutcome) in Answer(outcome: outcome, takenAt: round.started, answeredAt: answeredAt) }
        for (position, pending) in round.pending.enumerated() {
            switch written.failures[position] {
            case .effect(let error):
                pending.continuation.resume(throwing: error)
            case .precondition(let precondition):
                pending.continuation.resume(returning: answer(.notRecorded(precondition)))
            case nil:
                let mine = appended[offset..<offset + pending.drafts.count].map {
                    LedgerReceipt(index: $0.stored.index, entryHash: $0.stored.leafHash, entryBytes: $0.stored.bytes)
                }
                offset += pending.drafts.count
                pending.continuation.resume(returning: answer(.recorded(mine)))
            }
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    /// The batch's rows: every caller's drafts in order, at consecutive indices from `index`, but for those that failed.
    private static func rows(_ drafts: [[LedgerDraft]], from index: Int, time: Date, leavingOut failed: Set<Int>) -> [LedgerRow] {
        var index = index
        let timestamp = LedgerEntry.timestamp(time)
        var rows: [LedgerRow] = []
        rows.reserveCapacity(drafts.reduce(0) { $0 + $1.count })
        for (position, mine) in drafts.enumerated() where !failed.contains(position) {
            for draft in mine {
                rows.append(draft.row(index: index, timestamp: timestamp))
                index += 1
            }
        }
        return rows
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
        state.withLock {
            $0.tree.integrate(from: known, hashes)
            $0.headTime = nil
        }
    }

    /// The root of the first `size` entries.
    public func root(size: Int) async throws -> [UInt8] {
        try await withTiles { tree, tiles in
            guard size <= tree.size else { throw LedgerError.beyondTree(size: size, treeSize: tree.size) }
            return try tree.root(size: size, tiles: tiles)
        }
    }

    public func inclusionProof(index: Int, size: Int) async throws -> [[UInt8]] {
        try await withTiles { tree, tiles in
            guard size <= tree.size else { throw LedgerError.beyondTree(size: size, treeSize: tree.size) }
            guard index >= 0, index < size else { throw LedgerError.indexOutOfRange(index: index, size: size) }
            return try tree.inclusionProof(index: index, size: size, tiles: tiles)
        }
    }

    public func consistencyProof(from: Int, to: Int) async throws -> [[UInt8]] {
        try await withTiles { tree, tiles in
            guard to <= tree.size else { throw LedgerError.beyondTree(size: to, treeSize: tree.size) }
            guard from > 0, from <= to else { throw LedgerError.badRange(from: from, to: to) }
            return try tree.consistencyProof(from: from, to: to, tiles: tiles)
        }
    }

    /// A C2SP tlog-tiles hash tile: `width` hashes at tile level `level` (tree level 8·`level`) from tile
    /// `index`. Level-0 hashes come from the store, checked against the tree first. Nil when the tree does
    /// not hold them yet.
    public func hashTile(_ tile: HashTilePath) async throws -> [UInt8]? {
        try await withTiles { tree, tiles in
            try tree.nodes(level: tile.level * HashTilePath.heightBits, from: tile.index << HashTilePath.heightBits, count: tile.width, tiles: tiles)
        }
    }

    /// Runs `body` on the tree under the lock; when it needs an earlier tile, reads that tile's leaf hashes
    /// from the store (outside the lock) and runs it again. A proof needs at most three tiles.
    private func withTiles<T: Sendable>(_ body: (MerkleTree, [Int: MerkleTree.Tile]) throws -> T) async throws -> T {
        var tiles: [Int: MerkleTree.Tile] = [:]
        while true {
            let (result, tileHeight): (Result<T, any Error>, Int) = state.withLock { state in
                (Result { try body(state.tree, tiles) }, state.tree.tileHeight)
            }
            switch result {
            case .success(let value):
                return value
            case .failure(let missing as MerkleTree.MissingTile):
                let leaves = try await store.leafHashes(from: missing.tile << tileHeight, count: 1 << tileHeight)
                guard leaves.count == 1 << tileHeight else { throw MerkleTree.TileMismatch(tile: missing.tile) }
                // Checked against the tree before use: a proof is never built from leaf hashes altered in the store.
                let tile = MerkleTree.Tile(leafHashes: leaves, tileHeight: tileHeight)
                tiles[missing.tile] = try state.withLock { state throws(MerkleTree.TileMismatch) in try state.tree.check(tile, index: missing.tile) }
            case .failure(let error):
                throw error
            }
        }
    }

    /// Has the store record the roots of the tiles completed since it last did. Done with each checkpoint,
    /// off the append path; a failure waits for the next one, since the roots only make opening faster.
    public func recordTileRoots() async {
        let (from, roots, height) = state.withLock { ($0.recordedTiles, $0.tree.tileRoots(from: $0.recordedTiles), $0.tree.tileHeight) }
        guard !roots.isEmpty else { return }
        guard (try? await store.saveTileRoots(height: height, from: from, roots)) != nil else { return }
        state.withLock { $0.recordedTiles = max($0.recordedTiles, from + roots.count) }
    }

    public func checkpoint() async throws -> (size: Int, note: String) {
        try await catchUp()
        await recordTileRoots()
        let (size, root, last) = state.withLock { ($0.tree.size, $0.tree.currentRoot(), $0.lastCheckpoint) }
        if let last, last.size == size {
            state.withLock { $0.lastCheckpointAt = clock() }
            return last
        }
        let signed = try Checkpoint(origin: origin, size: size, root: root).signed(with: key)
        // Another instance may have signed this size first: its note stands.
        let note = try await store.saveCheckpoint(size: size, note: signed)
        // Written outside the store before anyone is shown it, so a restore cannot quietly go back past it.
        try await checkpointLog?.append(size: size, note: note)
        state.withLock { state in
            if (state.lastCheckpoint?.size ?? -1) < size { state.lastCheckpoint = (size, note) }
            state.lastCheckpointAt = clock()
        }
        return (size, note)
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
