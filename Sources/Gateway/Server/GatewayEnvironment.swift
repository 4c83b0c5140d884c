import CaseModel
import Foundation
import Ledger
import Redaction
import SharingPolicy
import Storage

/// The long-lived parts every listener shares: stores, partner directory, clocks.
public struct GatewayEnvironment: Sendable {
    public let storage: any StorageBackend
    public let cases: any CaseStore
    public let users: any UserStore
    public let policies: PolicyStore
    public let ledger: Ledger
    /// Every key that has signed the ledger, with the sizes each signs.
    public let ledgerKeys: LedgerKeyHistory
    public let clock: ServiceClock
    public let now: @Sendable () -> Date
    /// Partner views kept for repeat requests.
    public let views: ViewCache

    public init(
        storage: any StorageBackend,
        policies: PolicyStore,
        ledger: Ledger,
        ledgerKeys: LedgerKeyHistory? = nil,
        clock: ServiceClock,
        now: @escaping @Sendable () -> Date = { Date() },
        viewCacheBytes: Int = 64 << 20
    ) {
        self.storage = storage
        self.ledgerKeys = ledgerKeys ?? LedgerKeyHistory(ledger.publicKey)
        self.cases = storage.cases(clock: clock)
        self.users = storage.users
        self.policies = policies
        self.ledger = ledger
        self.clock = clock
        self.now = now
        self.views = ViewCache(capacity: viewCacheBytes)
    }

    /// The ledger's signing key file: a systemd credential, or the data directory's (`KeyFiles`).
    public static func ledgerKeyFile(_ dataDirectory: String) -> URL {
        KeyFiles.ledgerKey(dataDirectory: URL(fileURLWithPath: dataDirectory))
    }

    /// Opens the store (SQLite, or PostgreSQL when the configuration names one) and the ledger, loads
    /// policies as the configuration says, and records the policy load in the ledger.
    public static func open(
        _ configuration: GatewayConfiguration,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> GatewayEnvironment {
        let storage = try await GatewayStorage.open(
            dataDirectory: configuration.dataDirectory,
            databaseURL: configuration.database,
            keyDatabaseURL: configuration.keyDatabase
        )
        do {
            return try await open(configuration, storage: storage, now: now)
        } catch {
            await storage.close()
            throw error
        }
    }

    private static func open(
        _ configuration: GatewayConfiguration,
        storage: any StorageBackend,
        now: @escaping @Sendable () -> Date
    ) async throws -> GatewayEnvironment {
        let clock = ServiceClock(
            calendar: try loadCalendar(configuration.bankHolidaysFile),
            homeVisitWorkingDays: configuration.homeVisitWorkingDays,
            femaleOfficerWorkingDays: configuration.femaleOfficerWorkingDays
        )
        let policies = try PolicyStore(directory: URL(fileURLWithPath: configuration.policiesDirectory), pseudonymRoot: storage.secrets.pseudonymRoot)
        let key = try await LedgerKeySetup.open(dataDirectory: configuration.dataDirectory, origin: configuration.ledgerOrigin, storage: storage)
        let ledger = try await Ledger.open(
            store: storage.ledger,
            key: key,
            origin: configuration.ledgerOrigin,
            checkpointLog: CheckpointLog.inDataDirectory(configuration.dataDirectory),
            clock: now
        )
        let keys = try await LedgerKeySetup.history(storage: storage, current: key)
        let environment = GatewayEnvironment(
            storage: storage,
            policies: policies,
            ledger: ledger,
            ledgerKeys: keys,
            clock: clock,
            now: now,
            viewCacheBytes: configuration.viewCacheMegabytes << 20
        )
        try await environment.audit.policyLoad(policies.current, requestID: "startup")
        return environment
    }

    /// Writes processing events to the ledger.
    public var audit: Audit { Audit(ledger: ledger) }

    /// The working-day calendar, with the override file when there is one.
    public static func loadCalendar(_ overrides: URL) throws -> WorkingDayCalendar {
        guard let data = FileManager.default.contents(atPath: overrides.path) else { return WorkingDayCalendar() }
        return WorkingDayCalendar(bankHolidays: try BankHolidays(overridesJSON: data))
    }
}
