import Foundation
import Ledger
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import Storage

// The statements a disclosure runs, and a view of a case not yet in the view cache, prepared once a
// connection: PostgresNIO names each, prepares it on a connection's first use and binds it after. Sent as
// plain queries, the server parsed, analysed and planned every one afresh: about a quarter of its CPU
// under a view load, and planning a case read cost it three times running one (decision 0030). Each
// names itself: PostgresNIO's default name is the type's, made by reflection on every call.

/// `casegate_ledger_append`: under the ledger's lock, a batch's entries and case links inserted if the log
/// ends at `head` and the change mark is `changeMark` (nil: not checked). Its row says whether they were.
struct LedgerAppendStatement: PostgresPreparedStatement {
    typealias Row = Bool

    static let name = "casegate_ledger_append"
    static let sql = """
        SELECT casegate_ledger_append($1, $2, $3::text, $4, $5::bigint, $6::integer, $7::bigint[], $8::bytea[], $9::bytea[],
            $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[], $16::integer[], $17::text[], $18::bigint[])
        """

    let columns: LedgerColumns
    let head: LedgerHead
    let changeMark: Int64?

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 18)
        bindings.append(AdvisoryLock.ledger)
        bindings.append(head.size)
        bindings.append(head.lastTime)
        bindings.append(changeMark != nil)
        bindings.append(changeMark)
        bindings.append(CaseLinkBuckets.shift)
        bindings.append(columns.idx)
        bindings.append(columns.entry)
        bindings.append(columns.leaf)
        bindings.append(columns.time)
        bindings.append(columns.action)
        bindings.append(columns.actor)
        bindings.append(columns.recipient)
        bindings.append(columns.purpose)
        bindings.append(columns.listID)
        bindings.append(columns.listAt)
        bindings.append(columns.linkCase)
        bindings.append(columns.linkIndex)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Bool { try row.decode(Bool.self) }
}

/// The case change mark (`CaseChangeMark`).
struct ChangeMarkStatement: PostgresPreparedStatement {
    typealias Row = Int64

    static let name = "casegate_change_mark"
    static let sql = CaseChangeMark.readSQL

    func makeBindings() -> PostgresBindings { PostgresBindings() }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}

/// Where the wrapped data keys are read from: the case database's key table, joined to the case, or a key
/// database of their own. A prepared statement's text cannot vary, so each placement has its own case read.
protocol KeyPlacement: Sendable {
    /// The wrapped key column and the join that brings it.
    static var keyJoin: String { get }
    static var caseReadName: String { get }
}

/// The key table in the case database: a case and its key in one joined read.
enum KeysJoined: KeyPlacement {
    static let keyJoin = "k.wrapped_key FROM cases c LEFT JOIN casegate_keys.data_keys k ON k.case_id = c.id"
    static let caseReadName = "casegate_case_read_keys_joined"
}

/// Keys in a database of their own: a NULL placeholder here, the key read from the key database.
enum KeysApart: KeyPlacement {
    static let keyJoin = "NULL::bytea AS wrapped_key FROM cases c"
    static let caseReadName = "casegate_case_read_keys_apart"
}

/// One case's reference, sealed document, version and (keys joined) wrapped key, with the change mark of
/// the same snapshot (one statement sees one), so a view of a case not yet cached costs one round trip, not two.
struct CaseReadStatement<Placement: KeyPlacement>: PostgresPreparedStatement {
    typealias Row = (mark: Int64, reference: String, sealed: Data, version: Int64, wrappedKey: Data?)

    static var name: String { Placement.caseReadName }
    static var sql: String {
        "SELECT (\(CaseChangeMark.readSQL)), c.reference, c.sealed, c.version, \(Placement.keyJoin) WHERE c.id = $1"
    }

    let id: String

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (mark, reference, sealed, version, wrappedKey) = try row.decode((Int64, String, Data, Int64, Data?).self)
        return (mark, reference, sealed, version, wrappedKey)
    }
}

/// Wrapped data keys by case id, from the key table wherever it is: with keys in a database of their own,
/// a view of a case not yet cached reads its key with this, after `CaseReadStatement`.
struct WrappedKeysStatement: PostgresPreparedStatement {
    typealias Row = (caseID: String, wrappedKey: Data)

    static let name = "casegate_wrapped_keys"
    static let sql = "SELECT case_id, wrapped_key FROM casegate_keys.data_keys WHERE case_id = ANY($1)"

    let ids: [String]

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(ids)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (caseID, wrappedKey) = try row.decode((String, Data).self)
        return (caseID, wrappedKey)
    }
}

extension AsyncSequence {
    /// The first element, after reading every one: a statement's rows are read to their end, so its
    /// connection goes back to the pool ready for the next.
    func firstOfAll() async throws -> Element? {
        try await reduce(into: nil) { first, element in first = first ?? element }
    }
}
