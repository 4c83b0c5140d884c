import CaseModel
import Foundation
import Ledger
import Retention
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
    _ type: IncidentType = .harassment, received: String, closed: String? = nil, policeReference: String? = nil,
    name: String = "Ottoline Fenwick-Brabazon", narrative: String = "Shouting at night from the flat above."
) -> ASBCase {
    var c = ASBCase(incidentType: type, channel: .phone, receivedAt: date(received), policeReference: policeReference, ward: "Perivale",
                    location: "9 Quillfeather Row, UB6 7QQ", narrative: narrative,
                    parties: [Party(role: .complainant, name: name, phone: "07700 900321")])
    if let closed { try! c.record(CaseEvent(kind: .caseClosed, at: date(closed), author: "u1")) }
    return c
}

/// An embedded store, ledger and sweeper in a temporary directory.
final class RetentionFixture: @unchecked Sendable {
    let directory: URL
    let database: SQLiteDatabase
    let cases: SQLiteCaseStore
    let ledger: Ledger
    let key: LedgerSigningKey
    /// As the gateway and CLI name it, so a child `casegate` process writes to the same ledger.
    static let origin = "casegate.local/asb-ledger"

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("retention-\(UUID())")
        database = try SQLiteDatabase(directory: directory)
        cases = SQLiteCaseStore(database: database, clock: clock)
        key = try LedgerSigningKey.loadOrCreate(at: directory.appendingPathComponent("ledger.key"), name: Self.origin)
        ledger = try await Ledger.open(store: SQLiteLedgerStore(database: database), key: key, origin: Self.origin)
    }

    /// A fresh view of the ledger (another process may have appended).
    func reopenedLedger() async throws -> Ledger {
        try await Ledger.open(store: SQLiteLedgerStore(database: database), key: key, origin: Self.origin)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func sweeper(today: String, ledger: Ledger? = nil) -> RetentionSweeper {
        let day = CalendarDate(today)!
        return RetentionSweeper(store: SQLiteRetentionStore(database: database), ledger: ledger ?? self.ledger, schedule: shippedSchedule,
                                dataDirectory: directory, today: { day })
    }

    func verify() async throws -> LedgerVerifier.Report {
        try await LedgerVerifier(store: SQLiteLedgerStore(database: database), publicKey: key.publicKey, origin: Self.origin).verify()
    }

    func rawBytes() throws -> Data {
        var all = Data()
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.contains(".sqlite") {
            all += try Data(contentsOf: directory.appendingPathComponent(name))
        }
        return all
    }
}
