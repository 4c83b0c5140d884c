import CaseModel
import Ledger
import Storage

/// The embedded default: SQLite files in the data directory.
public struct SQLiteBackend: StorageBackend {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    public var masterKeys: MasterKeyRing { database.masterKeys }
    public var dataKeys: any DataKeyStore { KeyStore(database: database) }
    public var secrets: StoreSecrets { database.secrets }
    public var users: any UserStore { SQLiteUserStore(database: database) }
    public var ledger: any LedgerStore { SQLiteLedgerStore(database: database) }
    public var retention: any RetentionStore { SQLiteRetentionStore(database: database) }
    public var keyRecords: any KeyRecords { SQLiteKeyRecords(database: database) }
    public func cases(clock: ServiceClock) -> any CaseStore { SQLiteCaseStore(database: database, clock: clock) }
    public func isReady() async -> Bool { await database.isReady() }
    public func close() async {}
    public var location: String { "SQLite in \(database.directory.path)" }
}
