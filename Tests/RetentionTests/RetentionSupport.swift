import CaseModel
import CasegateTestSupport
import Foundation
import Ledger
import Retention
import SQLiteStorage
import SharingPolicy
import Storage

let shippedSchedule: RetentionSchedule = {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("policies/retention.yaml")
    return try! RetentionSchedule.load(file: file)
}()

let clock = ServiceClock(calendar: WorkingDayCalendar())

func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text.count == 10 ? text + "T12:00:00Z" : text)! }

/// A case received and (optionally) closed on the given days.
func retentionCase(
    _ type: IncidentType = .harassment,
    received: String,
    closed: String? = nil,
    policeReference: String? = nil,
    name: String = "Ottoline Fenwick-Brabazon",
    narrative: String = "Shouting at night from the flat above."
) -> ASBCase {
    var c = ASBCase(
        incidentType: type,
        channel: .phone,
        receivedAt: date(received),
        policeReference: policeReference,
        ward: "Perivale",
        location: "9 Quillfeather Row, UB6 7QQ",
        narrative: narrative,
        parties: [Party(role: .complainant, name: name, phone: "07700 900321")]
    )
    if let closed { try! c.record(CaseEvent(kind: .caseClosed, at: date(closed), author: "u1")) }
    return c
}

/// A store (SQLite, or a database of its own on the PostgreSQL test server), ledger and sweeper.
final class RetentionFixture: @unchecked Sendable {
    let store: TestBackend
    let cases: any CaseStore
    let ledger: Ledger
    let key: LedgerSigningKey
    /// As the gateway and CLI name it, so a child `casegate` process writes to the same ledger.
    static let origin = "casegate.local/asb-ledger"

    init(_ kind: BackendKind = .sqlite) async throws {
        store = try await TestBackend.make(kind)
        cases = store.backend.cases(clock: clock)
        key = try LedgerSigningKey.loadOrCreate(at: store.directory.appendingPathComponent("ledger.key"), name: Self.origin)
        ledger = try await Ledger.open(store: store.backend.ledger, key: key, origin: Self.origin)
    }

    var directory: URL { store.directory }
    var retention: any RetentionStore { store.backend.retention }
    var ledgerStore: any LedgerStore { store.backend.ledger }
    /// The SQLite database, for the tests of what the embedded files hold.
    var sqlite: SQLiteDatabase? { (store.backend as? SQLiteBackend)?.database }

    /// Arguments that point a child `casegate` process at this store.
    var storageArguments: [String] {
        ["--data-dir", directory.path] + (store.databaseURL.map { ["--database-url", $0] } ?? [])
    }

    /// A fresh view of the ledger (another process may have appended).
    func reopenedLedger() async throws -> Ledger {
        try await Ledger.open(store: store.backend.ledger, key: key, origin: Self.origin)
    }

    func remove() async { await store.remove() }

    func sweeper(today: String, ledger: Ledger? = nil) -> RetentionSweeper {
        let day = CalendarDate(today)!
        return RetentionSweeper(store: retention, ledger: ledger ?? self.ledger, schedule: shippedSchedule, today: { day })
    }

    func verify() async throws -> LedgerVerifier.Report {
        try await LedgerVerifier(store: ledgerStore, publicKey: key.publicKey, origin: Self.origin).verify()
    }

    func rawBytes() async throws -> Data { try await store.rawContents() }
}
