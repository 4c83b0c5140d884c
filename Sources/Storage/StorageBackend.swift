import CaseModel
import Ledger

/// Every store the gateway uses, over one database: the embedded SQLite files
/// (`SQLiteBackend`) or a PostgreSQL server shared by several instances.
public protocol StorageBackend: Sendable {
    /// Wraps every case's data key; also the root of the party index and pseudonym keys.
    var masterKey: MasterKey { get }
    var users: any UserStore { get }
    var ledger: any LedgerStore { get }
    var retention: any RetentionStore { get }
    /// The pseudonym root and party-index key, the store's own (not derived from the master key).
    var secrets: StoreSecrets { get }
    /// The keys the store was set up with.
    var keyRecords: any KeyRecords { get }
    func cases(clock: ServiceClock) -> any CaseStore
    /// Whether the database answers a trivial query.
    func isReady() async -> Bool
    /// Closes connections; the stores must not be used afterwards.
    func close() async
    /// Where the data is, for log lines: no credentials.
    var location: String { get }
}
