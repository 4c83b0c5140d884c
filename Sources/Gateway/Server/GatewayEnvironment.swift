import CaseModel
import Foundation
import SharingPolicy
import Storage

/// The long-lived parts every listener shares: stores, partner directory, clocks.
public struct GatewayEnvironment: Sendable {
    public let database: SQLiteDatabase
    public let cases: any CaseStore
    public let users: any UserStore
    public let policies: PolicyStore
    public let clock: ServiceClock
    public let now: @Sendable () -> Date

    public init(
        database: SQLiteDatabase, cases: any CaseStore, users: any UserStore, policies: PolicyStore,
        clock: ServiceClock, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.cases = cases
        self.users = users
        self.policies = policies
        self.clock = clock
        self.now = now
    }

    /// Opens the embedded store and loads policies as the configuration says.
    public static func open(_ configuration: GatewayConfiguration) throws -> GatewayEnvironment {
        let database = try SQLiteDatabase(directory: URL(fileURLWithPath: configuration.dataDirectory))
        let clock = ServiceClock(calendar: try loadCalendar(configuration.bankHolidaysFile))
        let policies = try PolicyStore(directory: URL(fileURLWithPath: configuration.policiesDirectory), masterKey: database.masterKey.key)
        return GatewayEnvironment(
            database: database,
            cases: SQLiteCaseStore(database: database, clock: clock),
            users: SQLiteUserStore(database: database),
            policies: policies,
            clock: clock
        )
    }

    /// The working-day calendar, with the override file when there is one.
    public static func loadCalendar(_ overrides: URL) throws -> WorkingDayCalendar {
        guard let data = FileManager.default.contents(atPath: overrides.path) else { return WorkingDayCalendar() }
        return WorkingDayCalendar(bankHolidays: try BankHolidays(overridesJSON: data))
    }
}
