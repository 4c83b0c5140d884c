import Foundation
import GRDB
import Ledger
import Storage
import Synchronization
import Testing

@Suite("The ledger in SQLite: durable, queryable, tamper-evident")
struct SQLiteLedgerStoreTests {
    static let key = LedgerSigningKey(name: "test/ledger", privateKey: .init())

    func filledLedger(_ dir: borrowing TemporaryDirectory) async throws -> (SQLiteDatabase, Ledger) {
        let database = try SQLiteDatabase(directory: dir.url)
        let ledger = try await Ledger.open(store: SQLiteLedgerStore(database: database), key: Self.key, origin: "test/ledger")
        for n in 0..<30 {
            _ = try await ledger.append(LedgerDraft(
                actor: LedgerActor(kind: .partner, id: n % 2 == 0 ? "met-police" : "lfb"), recipient: n % 2 == 0 ? "met-police" : "lfb",
                action: n % 3 == 0 ? .consultation : .disclosure, caseIDs: ["CASE-\(n % 4)"], requestID: "r\(n)"))
            if n % 10 == 9 { _ = try await ledger.checkpoint() }
        }
        return (database, ledger)
    }

    func verify(_ database: SQLiteDatabase) async throws -> LedgerVerifier.Report {
        try await LedgerVerifier(store: SQLiteLedgerStore(database: database), publicKey: Self.key.publicKey, origin: "test/ledger").verify()
    }

    func tamper(_ database: SQLiteDatabase, _ sql: String) async throws {
        let queue = try DatabaseQueue(path: database.caseFile.path)
        try await queue.write { db in try db.execute(sql: sql) }
    }

    @Test func reopensAndQueries() async throws {
        let dir = try TemporaryDirectory()
        let (database, ledger) = try await filledLedger(dir)
        let reopened = try await Ledger.open(store: SQLiteLedgerStore(database: database), key: Self.key, origin: "test/ledger")
        #expect(reopened.size == 30 && reopened.root(size: 30) == ledger.root(size: 30))
        let store = SQLiteLedgerStore(database: database)
        let police = try await store.query(LedgerQuery(recipient: "met-police", actions: [.disclosure], limit: 100))
        #expect(police.count == 10)  // even n, not divisible by 3
        let byCase = try await store.query(LedgerQuery(caseIDs: ["CASE-1"], limit: 100))
        #expect(byCase.map(\.index) == [1, 5, 9, 13, 17, 21, 25, 29])
        let page = try await store.query(LedgerQuery(after: 25, limit: 100))
        #expect(page.map(\.index) == [26, 27, 28, 29])
        #expect(try await verify(database).problem == nil)
    }

    @Test("a changed byte in a stored entry is named")
    func changedByte() async throws {
        let dir = try TemporaryDirectory()
        let (database, _) = try await filledLedger(dir)
        try await tamper(database, "UPDATE ledger_entries SET entry = CAST(replace(CAST(entry AS TEXT), '\"r12\"', '\"r99\"') AS BLOB) WHERE idx = 12")
        #expect(try await verify(database).problem?.index == 12)
    }

    @Test("a deleted entry is named")
    func deleted() async throws {
        let dir = try TemporaryDirectory()
        let (database, _) = try await filledLedger(dir)
        try await tamper(database, "DELETE FROM ledger_entries WHERE idx = 17")
        #expect(try await verify(database).problem?.index == 17)
    }

    @Test("two swapped entries are named")
    func swapped() async throws {
        let dir = try TemporaryDirectory()
        let (database, _) = try await filledLedger(dir)
        try await tamper(database, """
            UPDATE ledger_entries SET idx = -1 WHERE idx = 4;
            UPDATE ledger_entries SET idx = 4 WHERE idx = 5;
            UPDATE ledger_entries SET idx = 5 WHERE idx = -1;
            """)
        #expect(try await verify(database).problem?.index == 4)
    }

    @Test("a replaced checkpoint is named")
    func replacedCheckpoint() async throws {
        let dir = try TemporaryDirectory()
        let (database, _) = try await filledLedger(dir)
        let forged = try Checkpoint(origin: "test/ledger", size: 20, root: Array(repeating: 7, count: 32))
            .signed(with: LedgerSigningKey(name: "test/ledger", privateKey: .init()))
        try await tamper(database, "UPDATE ledger_checkpoints SET note = '\(forged)' WHERE size = 20")
        let problem = try #require(try await verify(database).problem)
        #expect(problem.reason.contains("checkpoint at size 20"))
        #expect(problem.index == 10)
    }
}

@Suite("Ledger time ranges")
struct LedgerTimeRangeTests {
    @Test("time ranges select the right entries, and entry times never go backwards even when the clock does")
    func timeRanges() async throws {
        let dir = try TemporaryDirectory()
        let database = try SQLiteDatabase(directory: dir.url)
        let base = Date(timeIntervalSince1970: 1_780_000_000)
        let ticks = Mutex(0)
        // Minutes 1..10, except that the clock jumps back at the 6th append.
        let ledger = try await Ledger.open(store: SQLiteLedgerStore(database: database), key: LedgerSigningKey(name: "t", privateKey: .init()),
                                           origin: "t", clock: {
            let n = ticks.withLock { $0 += 1; return $0 }
            return base.addingTimeInterval(Double(n == 6 ? 2 : n) * 60)
        })
        for n in 0..<10 {
            _ = try await ledger.append(LedgerDraft(actor: .system, action: .consultation, caseIDs: ["C\(n)"]))
        }
        let store = SQLiteLedgerStore(database: database)
        let times = try await store.entries(from: 0, limit: 100).map { try $0.decoded().time }
        #expect(times == times.sorted(), "monotonic")
        #expect(times[5] == times[4], "the backward step is held at the previous time")
        let from = LedgerEntry.timestamp(base.addingTimeInterval(3 * 60))
        let to = LedgerEntry.timestamp(base.addingTimeInterval(7 * 60))
        let picked = try await store.query(LedgerQuery(from: from, to: to, limit: 100)).map(\.index)
        #expect(picked == [2, 3, 4, 5, 6])
        #expect(try await store.query(LedgerQuery(from: LedgerEntry.timestamp(base.addingTimeInterval(3600)), limit: 100)).isEmpty)
        #expect(try await store.query(LedgerQuery(to: LedgerEntry.timestamp(base), limit: 100)).isEmpty)
    }
}
