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
        recipient: String? = nil, caseIDs: [String]? = nil, actorID: String? = nil, actions: Set<LedgerAction>? = nil,
        purpose: String? = nil, from: String? = nil, to: String? = nil, after: Int? = nil, limit: Int = 100
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
public typealias LedgerRow = (entry: LedgerEntry, stored: StoredLedgerEntry)

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

/// Where the ledger's entries and checkpoints are kept.
///
/// Several processes may append to one store (the gateway and the CLI over one SQLite file, or many
/// gateway instances over PostgreSQL): the store serialises them with a write lock, and whoever holds it
/// is the log's sequencer for that batch: it learns the head, assigns the next indices and writes them in
/// one transaction. A holder that dies loses the lock with its transaction, so another takes over.
public protocol LedgerStore: Sendable {
    /// Appends a batch under the store's write lock: `build` gets the head (with the leaf hashes after
    /// `knownSize`) and returns the rows to write at `head.size...`; they are durable, or none is, when this
    /// returns. Returns the head `build` was given.
    func append(knownSize: Int, _ build: @escaping @Sendable (LedgerHead) throws -> [LedgerRow]) async throws -> LedgerHead
    /// Up to `limit` entries from `index` on, in order, as stored.
    func entries(from index: Int, limit: Int) async throws -> [StoredLedgerEntry]
    /// Leaf hashes of every entry from `index` on, in order.
    func leafHashes(from index: Int) async throws -> [[UInt8]]
    /// Stores a checkpoint unless one of that size is stored already; returns the note stored for that size.
    func saveCheckpoint(size: Int, note: String) async throws -> String
    func latestCheckpoint() async throws -> (size: Int, note: String)?
    func checkpoints() async throws -> [(size: Int, note: String)]
    /// Matching entries in index order.
    func query(_ query: LedgerQuery) async throws -> [StoredLedgerEntry]
}
