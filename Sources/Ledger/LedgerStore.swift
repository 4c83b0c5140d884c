/// Filters for reading the ledger back; every criterion given must hold.
public struct LedgerQuery: Sendable, Equatable {
    public var recipient: String?
    public var caseIDs: [String]?
    public var actorID: String?
    public var actions: Set<LedgerAction>?
    /// RFC 3339 bounds on the entry time, inclusive.
    public var from: String?
    public var to: String?
    /// Entries after this index.
    public var after: Int?
    public var limit: Int

    public init(
        recipient: String? = nil, caseIDs: [String]? = nil, actorID: String? = nil, actions: Set<LedgerAction>? = nil,
        from: String? = nil, to: String? = nil, after: Int? = nil, limit: Int = 100
    ) {
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

/// Where the ledger's entries and checkpoints are kept. Implementations write
/// each batch in one transaction: it is durable, or it did not happen.
public protocol LedgerStore: Sendable {
    /// Appends a batch; the entries' indices follow on from the stored ones.
    func append(_ batch: [(entry: LedgerEntry, stored: StoredLedgerEntry)]) async throws
    /// Up to `limit` entries from `index` on, in order, as stored.
    func entries(from index: Int, limit: Int) async throws -> [StoredLedgerEntry]
    func leafHashes() async throws -> [[UInt8]]
    func saveCheckpoint(size: Int, note: String) async throws
    func latestCheckpoint() async throws -> (size: Int, note: String)?
    func checkpoints() async throws -> [(size: Int, note: String)]
    /// Matching entries in index order.
    func query(_ query: LedgerQuery) async throws -> [StoredLedgerEntry]
}
