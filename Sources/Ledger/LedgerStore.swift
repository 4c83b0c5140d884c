import ByteEncoding

/// Filters for reading the ledger back; every criterion given must hold.
public struct LedgerQuery: Sendable, Equatable {
    public var recipient: String?
    public var caseIDs: [String]?
    public var actorID: String?
    public var actions: Set<LedgerAction>?
    /// The purpose id a disclosure was made for.
    public var purpose: String?
    /// RFC 3339 bounds on the entry time, inclusive.
    public var from: String?
    public var to: String?
    /// Entries after this index.
    public var after: Int?
    public var limit: Int

    public init(
        recipient: String? = nil,
        caseIDs: [String]? = nil,
        actorID: String? = nil,
        actions: Set<LedgerAction>? = nil,
        purpose: String? = nil,
        from: String? = nil,
        to: String? = nil,
        after: Int? = nil,
        limit: Int = 100
    ) {
        self.purpose = purpose
        self.recipient = recipient
        self.caseIDs = caseIDs
        self.actorID = actorID
        self.actions = actions
        self.from = from
        self.to = to
        self.after = after
        self.limit = limit
    }
}

/// One entry as written: the parsed entry (for the store's query columns) and its stored form.
public struct LedgerRow: Sendable {
    public var entry: LedgerEntry
    public var stored: StoredLedgerEntry
    /// The entry's field list and where it lies in `stored.bytes`, for a store that keeps each list once.
    public var fields: (list: ByteKey, range: Range<Int>)?

    public init(entry: LedgerEntry, stored: StoredLedgerEntry, fields: (list: ByteKey, range: Range<Int>)? = nil) {
        self.entry = entry
        self.stored = stored
        self.fields = fields
    }
}

/// The log as a writer finds it once it holds the store's write lock.
public struct LedgerHead: Sendable, Equatable {
    /// Entries in the log; the writer's entries take the indices from here on.
    public var size: Int
    /// Leaf hashes of the entries from the writer's known size to `size`: what other writers added meanwhile.
    public var newLeafHashes: [[UInt8]]
    /// The newest entry's time (RFC 3339), so entry times never go backwards across writers.
    public var lastTime: String?

    public init(size: Int, newLeafHashes: [[UInt8]], lastTime: String?) {
        self.size = size
        self.newLeafHashes = newLeafHashes
        self.lastTime = lastTime
    }
}

/// Work a store does in the same transaction as a caller's entries, so the two are durable together or
/// not at all: a case write and the ledger entry recording it. Each store has its own kind; the ledger
/// only carries them.
public protocol LedgerEffect: Sendable {}

public enum LedgerEffectError: Error, Equatable, CustomStringConvertible {
    /// The store cannot run this kind of effect (it belongs to another store).
    case unsupported(String)

    public var description: String {
        switch self {
        case .unsupported(let kind): "this ledger store cannot run a \(kind) in its transaction"
        }
    }
}

/// Where the ledger's entries and checkpoints are kept.
///
/// Several processes may append to one store (the gateway and the CLI over one SQLite file, or many
/// gateway instances over PostgreSQL): the store serialises them with a write lock, and whoever holds it
/// is the log's sequencer for that batch: it learns the head, assigns the next indices and writes them in
/// one transaction. A holder that dies loses the lock with its transaction, so another takes over.
public protocol LedgerStore: Sendable {
    /// Runs `batch` under the store's write lock in one transaction, step by step as `LedgerBatch` says,
    /// and returns it with its head and failures. Effects and rows are durable together, or none is.
    func append(_ batch: LedgerBatch) async throws -> LedgerBatch
    /// Up to `limit` entries from `index` on, in order, as stored.
    func entries(from index: Int, limit: Int) async throws -> [StoredLedgerEntry]
    /// Up to `limit` entries from `index` on, checked as they are read (`CheckedLeaves`), up to the first
    /// problem: what a verifier reads of the whole log.
    func checkedLeaves(from index: Int, limit: Int) async throws -> CheckedLeaves
    /// Leaf hashes of up to `count` entries from `index` on, in order: a tile for a proof, or a chunk at startup.
    func leafHashes(from index: Int, count: Int) async throws -> [[UInt8]]
    /// The roots of the log's first complete tiles of 2^`height` leaves, in order, as recorded: derived from
    /// the leaf hashes, kept so that opening a long log reads one hash a tile instead of every leaf.
    func tileRoots(height: Int) async throws -> [[UInt8]]
    /// Records the roots of complete tiles `from ..< from + roots.count`, replacing what was recorded for them.
    func saveTileRoots(height: Int, from tile: Int, _ roots: [[UInt8]]) async throws
    /// Forgets the recorded roots of tiles `from` on: the log holds fewer complete tiles than were recorded.
    func dropTileRoots(height: Int, from tile: Int) async throws
    /// Stores a checkpoint unless one of that size is stored already; returns the note stored for that size.
    func saveCheckpoint(size: Int, note: String) async throws -> String
    func latestCheckpoint() async throws -> (size: Int, note: String)?
    func checkpoints() async throws -> [(size: Int, note: String)]
    /// Matching entries in index order.
    func query(_ query: LedgerQuery) async throws -> [StoredLedgerEntry]
}

/// A store whose append runs on the calling thread, as SQLite's does: its transaction is function calls,
/// not round trips. The ledger's writer then calls it from a dispatch queue of its own (`Ledger`).
public protocol SynchronousLedgerAppend: LedgerStore {
    /// What `append(_:)` does, returning once the batch is durable (or has failed).
    func appendSynchronously(_ batch: LedgerBatch) throws -> LedgerBatch
}

extension LedgerStore {
    /// The entries as `entries(from:limit:)` reads them, checked one by one.
    public func checkedLeaves(from index: Int, limit: Int) async throws -> CheckedLeaves {
        var checked = CheckedLeaves(first: index, capacity: limit)
        for entry in try await entries(from: index, limit: limit) where !checked.check(entry) { break }
        return checked
    }

    /// Leaf hashes of every entry from `index` on, in order.
    public func leafHashes(from index: Int) async throws -> [[UInt8]] {
        try await leafHashes(from: index, count: Int(Int64.max))
    }
}
