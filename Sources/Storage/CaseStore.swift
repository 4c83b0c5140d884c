import CaseModel
import Foundation
import Ledger
import Synchronization

/// Filters and paging for listing cases. Only clear columns are filtered on;
/// within one criterion any listed value matches.
public struct CaseQuery: Sendable, Equatable {
    public enum Order: Sendable, Equatable {
        /// Most recently recorded first: the caseworker's list.
        case newestFirst
        /// In the order recorded: partners' incremental pulls.
        case oldestFirst
    }

    public var categories: Set<Category>?
    public var statuses: Set<CaseStatus>?
    public var wards: Set<String>?
    /// When set, only cases with something owed that was due before this day.
    public var overdueOn: CalendarDate?
    /// When set, only cases changed at or after this instant.
    public var updatedSince: Date?
    public var order: Order
    public var limit: Int
    /// Opaque cursor from a previous page's `nextCursor`.
    public var cursor: String?

    public init(
        categories: Set<Category>? = nil,
        statuses: Set<CaseStatus>? = nil,
        wards: Set<String>? = nil,
        overdueOn: CalendarDate? = nil,
        updatedSince: Date? = nil,
        order: Order = .newestFirst,
        limit: Int = 50,
        cursor: String? = nil
    ) {
        self.categories = categories
        self.statuses = statuses
        self.wards = wards
        self.overdueOn = overdueOn
        self.updatedSince = updatedSince
        self.order = order
        self.limit = limit
        self.cursor = cursor
    }
}

extension CaseQuery {
    /// The sequence number the cursor points after, or nil for the first page; every store pages this way.
    public func afterSequence() throws(StorageError) -> Int64? {
        guard let cursor else { return nil }
        guard let seq = CaseCursor.decode(cursor) else { throw .invalidCursor }
        return seq
    }

    /// The page size a store reads: `limit`, kept within 1...1000.
    public var pageSize: Int { max(1, min(limit, 1000)) }
}

/// One page of cases, in the query's order.
public struct CasePage: Sendable {
    public var cases: [ASBCase]
    /// Pass back as `CaseQuery.cursor` for the next page; nil on the last page.
    public var nextCursor: String?

    public init(cases: [ASBCase], nextCursor: String?) {
        self.cases = cases
        self.nextCursor = nextCursor
    }
}

/// Where cases live. Implementations encrypt every personal field at rest.
public protocol CaseStore: Sendable {
    /// Stores a new case, assigning its reference, and returns it as stored.
    func create(_ newCase: ASBCase) async throws -> ASBCase
    /// Stores many cases in few transactions: for imports and demo data.
    func createMany(_ newCases: [ASBCase]) async throws -> [ASBCase]
    func get(_ id: UUID) async throws -> ASBCase?
    /// Reads, changes and writes back one case atomically.
    func update(_ id: UUID, _ change: @Sendable (inout ASBCase) throws -> Void) async throws -> ASBCase
    /// Stores a new case and, in the same transaction, the ledger entry recording it: both are durable or neither is.
    func create(_ newCase: ASBCase, recordedBy draft: LedgerDraft, in ledger: Ledger) async throws -> (ASBCase, LedgerReceipt)
    /// Changes a case and records it in the ledger in the same transaction (the change's own entry first, then
    /// any others it causes, such as notices to recipients); a change that throws writes none of them.
    func update(
        _ id: UUID,
        recordedBy drafts: [LedgerDraft],
        in ledger: Ledger,
        _ change: @escaping @Sendable (inout ASBCase) throws -> Void
    ) async throws -> (ASBCase, [LedgerReceipt])
    func list(_ query: CaseQuery) async throws -> CasePage
    func count() async throws -> Int
    /// Cases in which a person with this name and date of birth is a party, found through the blind party index.
    func caseIDs(partyName: String, dateOfBirth: CalendarDate?) async throws -> [UUID]
    /// A number that grows whenever a stored case changes or is deleted, by this process or another, in
    /// the same transaction as the change. Read before a case, it tells a cache whether what it built from
    /// an earlier read under the same number is still current.
    func changeMark() async throws -> Int64
    /// A case with a change mark read no later than it: what a cache keeps a view built from the case
    /// under (a view of a case not yet cached). Nil when there is no such case. One read where the store
    /// can make it one, rather than `changeMark()` and `get(_:)` in turn.
    func markedCase(_ id: UUID) async throws -> (mark: Int64, case: ASBCase)?
}

extension CaseStore {
    /// Changes a case and records it with one ledger entry, in the same transaction.
    public func update(
        _ id: UUID,
        recordedBy draft: LedgerDraft,
        in ledger: Ledger,
        _ change: @escaping @Sendable (inout ASBCase) throws -> Void
    ) async throws -> (ASBCase, LedgerReceipt) {
        let (c, receipts) = try await update(id, recordedBy: [draft], in: ledger, change)
        return (c, receipts[0])
    }

    /// Every case, oldest first, a page at a time: for reports over the whole store.
    public func allCases() async throws -> [ASBCase] {
        var cases: [ASBCase] = []
        var query = CaseQuery(order: .oldestFirst, limit: 1000)
        repeat {
            let page = try await list(query)
            cases += page.cases
            query.cursor = page.nextCursor
        } while query.cursor != nil
        return cases
    }
}

/// Carries what an effect made out of the ledger's transaction.
package final class EffectResult<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)

    package init() {}

    package func set(_ new: Value) { value.withLock { $0 = new } }

    package func get() throws -> Value {
        guard let result = value.withLock({ $0 }) else { throw StorageError.unavailable(reason: "the write did not complete") }
        return result
    }
}
