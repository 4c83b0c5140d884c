import CaseModel
import Foundation

/// Filters and paging for listing cases. Only clear columns are filtered on.
public struct CaseQuery: Sendable, Equatable {
    public var category: Category?
    public var status: CaseStatus?
    public var ward: String?
    /// When set, only cases with something owed that was due before this day.
    public var overdueOn: CalendarDate?
    public var limit: Int
    /// Opaque cursor from a previous page's `nextCursor`.
    public var cursor: String?

    public init(
        category: Category? = nil, status: CaseStatus? = nil, ward: String? = nil,
        overdueOn: CalendarDate? = nil, limit: Int = 50, cursor: String? = nil
    ) {
        self.category = category
        self.status = status
        self.ward = ward
        self.overdueOn = overdueOn
        self.limit = limit
        self.cursor = cursor
    }
}

/// One page of cases, newest first.
public struct CasePage: Sendable {
    public var cases: [ASBCase]
    /// Pass back as `CaseQuery.cursor` for the next page; nil on the last page.
    public var nextCursor: String?
}

/// Where cases live. Implementations encrypt every personal field at rest.
public protocol CaseStore: Sendable {
    /// Stores a new case, assigning its reference, and returns it as stored.
    func create(_ newCase: ASBCase) async throws -> ASBCase
    func get(_ id: UUID) async throws -> ASBCase?
    /// Reads, changes and writes back one case atomically.
    func update(_ id: UUID, _ change: @Sendable (inout ASBCase) throws -> Void) async throws -> ASBCase
    func list(_ query: CaseQuery) async throws -> CasePage
    func count() async throws -> Int
}
