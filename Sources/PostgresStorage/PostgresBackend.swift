import CaseModel
import Ledger
import Storage

/// Every store over one PostgreSQL database, shared by any number of gateway instances.
public struct PostgresBackend: StorageBackend {
    public let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    public var masterKeys: MasterKeyRing { database.masterKeys }
    public var dataKeys: any DataKeyStore { PostgresDataKeys(database: database) }
    public var secrets: StoreSecrets { database.secrets }
    public var users: any UserStore { PostgresUserStore(database: database) }
    public var ledger: any LedgerStore { PostgresLedgerStore(database: database) }
    public var retention: any RetentionStore { PostgresRetentionStore(database: database) }
    public var keyRecords: any KeyRecords { PostgresKeyRecords(database: database) }
    public func cases(clock: ServiceClock) -> any CaseStore { PostgresCaseStore(database: database, clock: clock) }
    public func isReady() async -> Bool { await database.isReady() }
    public func close() async { await database.close() }
    public var location: String { database.url.description }
}
