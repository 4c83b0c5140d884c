import Foundation
import GRDB
import Ledger
@testable import Storage
import Testing

@Suite("Point readers")
struct PointReadersTests {
    @Test("A connection kept between reads sees every commit made since")
    func freshAfterCommit() async throws {
        let dir = try TemporaryDirectory()
        let database = try SQLiteDatabase(directory: dir.url)
        let count = { try database.caseReads.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases") } }
        #expect(try count() == 0)
        #expect(database.caseReads.idleCount == 1)
        _ = try await SQLiteCaseStore(database: database, clock: testClock).create(sampleCase())
        #expect(try count() == 1)
        #expect(database.caseReads.idleCount == 1)
    }

    @Test("They are read-only: a write through one fails and changes nothing")
    func readOnly() async throws {
        let dir = try TemporaryDirectory()
        let database = try SQLiteDatabase(directory: dir.url)
        #expect(throws: DatabaseError.self) {
            try database.caseReads.read { db in try db.execute(sql: "DELETE FROM cases") }
        }
        #expect(throws: DatabaseError.self) {
            try database.keyReads.read { db in try db.execute(sql: "DELETE FROM data_keys") }
        }
    }

    @Test("Many callers at once each get a connection; only some are kept afterwards")
    func concurrentCallers() async throws {
        let dir = try TemporaryDirectory()
        let database = try SQLiteDatabase(directory: dir.url)
        let store = SQLiteCaseStore(database: database, clock: testClock)
        let ids = try await store.createMany((0..<20).map { _ in sampleCase() }).map(\.id)
        let readers = PointReaders(path: database.caseFile.path, kept: 3)
        let found = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<64 {
                group.addTask {
                    // Holds its connection a moment, so that several are in use at once.
                    try readers.read { db in
                        Thread.sleep(forTimeInterval: 0.002)
                        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases WHERE id = ?", arguments: [ids[n % ids.count].uuidString]) ?? 0
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(found == 64)
        #expect((1...3).contains(readers.idleCount))
        #expect(try await store.get(ids[0]) != nil)
    }
}

@Suite("Checkpointer")
struct CheckpointerTests {
    @Test("Ledger commits start passive checkpoints off the commit path, one at a time, and the log is copied back")
    func checkpointsAfterCommits() async throws {
        let dir = try TemporaryDirectory()
        let database = try SQLiteDatabase(directory: dir.url)
        let ledger = try await Ledger.open(store: SQLiteLedgerStore(database: database), key: LedgerSigningKey(name: "t", privateKey: .init()), origin: "t")
        let every = database.checkpointer.every
        for n in 0..<(every - 1) { _ = try await ledger.append(LedgerDraft(actor: .system, action: .consultation, requestID: "r\(n)")) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(database.checkpointer.completed == 0)
        for n in 0..<(3 * every) { _ = try await ledger.append(LedgerDraft(actor: .system, action: .consultation, requestID: "s\(n)")) }
        var waited = 0
        while database.checkpointer.completed < 2, waited < 100 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        #expect(database.checkpointer.completed >= 2)
        #expect(try await ledger.store.entries(from: 0, limit: 1000).count == 4 * every - 1)
    }
}

@Suite("Case links migration")
struct CaseLinksMigrationTests {
    @Test("Links from the earlier by-case index are carried into the bucketed one, and lookups by case find them")
    func carriesLinksOver() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.url.appendingPathComponent(SQLiteDatabase.caseFileName).path
        do {
            let queue = try DatabaseQueue(path: path)
            try CaseDatabaseMigrations.migrator.migrate(queue, upTo: "v4-staff-sessions")
            try await queue.write { db in
                for idx in [1, 5000, 9000] {
                    try db.execute(sql: "INSERT INTO ledger_entries (idx, entry, leaf_hash, time, action, actor_id) VALUES (?, x'7b7d', x'00', '2026-01-01T00:00:00.000Z', 'consultation', 'casegate')",
                                   arguments: [idx])
                    try db.execute(sql: "INSERT INTO ledger_entry_cases (case_id, idx) VALUES ('CASE-1', ?)", arguments: [idx])
                }
            }
        }
        let database = try SQLiteDatabase(directory: dir.url)
        let found = try await SQLiteLedgerStore(database: database).query(LedgerQuery(caseIDs: ["CASE-1"], limit: 10)).map(\.index)
        #expect(found == [1, 5000, 9000])
        let tables = try await database.cases.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        #expect(!tables.contains("ledger_entry_cases"))
    }
}
