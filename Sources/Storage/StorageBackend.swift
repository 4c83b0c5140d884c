import CaseModel
import Ledger

/// Every store the gateway uses, over one database: the embedded SQLite files
/// (`SQLiteBackend`) or a PostgreSQL server shared by several instances.
public protocol StorageBackend: Sendable {
    /// The master keys held: the current one, and a rotation's next one once needed.
    var masterKeys: MasterKeyRing { get }
    /// Every case's data key, for a master-key rotation.
    var dataKeys: any DataKeyStore { get }
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

extension StorageBackend {
    /// The key the store was opened with (its recorded check value is this key's).
    public var masterKey: MasterKey { masterKeys.current }
}
