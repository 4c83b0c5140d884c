import CaseModel
import Foundation
import Ledger
import SharingPolicy
import Storage

/// The long-lived parts every listener shares: stores, partner directory, clocks.
public struct GatewayEnvironment: Sendable {
    public let database: SQLiteDatabase
    public let cases: any CaseStore
    public let users: any UserStore
    public let policies: PolicyStore
    public let ledger: Ledger
    public let clock: ServiceClock
    public let now: @Sendable () -> Date

    public init(
        database: SQLiteDatabase, cases: any CaseStore, users: any UserStore, policies: PolicyStore, ledger: Ledger,
        clock: ServiceClock, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.cases = cases
        self.users = users
        self.policies = policies
        self.ledger = ledger
        self.clock = clock
        self.now = now
    }

    /// The ledger's signing key file in a data directory.
    public static func ledgerKeyFile(_ dataDirectory: String) -> URL {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent("ledger.key")
    }

    /// Opens the embedded store and ledger, loads policies as the configuration says,
    /// and records the policy load in the ledger.
    public static func open(_ configuration: GatewayConfiguration, now: @escaping @Sendable () -> Date = { Date() }) async throws -> GatewayEnvironment {
        let database = try SQLiteDatabase(directory: URL(fileURLWithPath: configuration.dataDirectory))
        let clock = ServiceClock(calendar: try loadCalendar(configuration.bankHolidaysFile))
        let policies = try PolicyStore(directory: URL(fileURLWithPath: configuration.policiesDirectory), masterKey: database.masterKey.key)
        let key = try LedgerSigningKey.loadOrCreate(at: ledgerKeyFile(configuration.dataDirectory), name: configuration.ledgerOrigin)
        let ledger = try await Ledger.open(store: SQLiteLedgerStore(database: database), key: key, origin: configuration.ledgerOrigin, clock: now)
        let environment = GatewayEnvironment(
            database: database,
            cases: SQLiteCaseStore(database: database, clock: clock),
            users: SQLiteUserStore(database: database),
            policies: policies,
            ledger: ledger,
            clock: clock,
            now: now
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
