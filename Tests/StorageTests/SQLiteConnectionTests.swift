import Foundation
import GRDB
import Ledger
import Testing

@testable import SQLiteStorage
@testable import Storage

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

    @Test("Many callers at once each get a connection; only as many as asked are kept afterwards")
    func concurrentCallers() async throws {
        let dir = try TemporaryDirectory()
        let database = try SQLiteDatabase(directory: dir.url)
        let store = SQLiteCaseStore(database: database, clock: testClock)
        let ids = try await store.createMany((0..<20).map { _ in sampleCase() }).map(\.id)
        let readers = PointReaders(path: database.caseFile.path, kept: 1)
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
        // Two or more were open at once (two threads at least, each holding one 2 ms); one is kept.
        #expect(readers.idleCount == 1)
        #expect(try await store.get(ids[0]) != nil)
    }
}

@Suite("Checkpointer")
struct CheckpointerTests {
    @Test("Ledger commits start passive checkpoints off the commit path, one at a time, and the log is copied back")
    func checkpointsAfterCommits() async throws {
        let t = try await SQLiteLedgerFixture()
        let (database, ledger) = (t.database, t.ledger)
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
        // The store's master key, as an existing store has one.
        _ = try MasterKey.loadOrCreate(at: dir.url.appendingPathComponent(SQLiteDatabase.masterKeyFileName))
        do {
            let queue = try DatabaseQueue(path: path)
            try CaseDatabaseMigrations.migrator.migrate(queue, upTo: "v4-staff-sessions")
            try await queue.write { db in
                for idx in [1, 5000, 9000] {
                    try db.execute(
                        sql:
                            "INSERT INTO ledger_entries (idx, entry, leaf_hash, time, action, actor_id) VALUES (?, x'7b7d', x'00', '2026-01-01T00:00:00.000Z', 'consultation', 'casegate')",
                        arguments: [idx]
                    )
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

/// A SQLite ledger in a directory of its own, removed with the fixture.
struct SQLiteLedgerFixture: ~Copyable {
    static let key = LedgerSigningKey(name: "t", privateKey: .init())
    let dir: TemporaryDirectory
    let database: SQLiteDatabase
    let store: SQLiteLedgerStore
    let ledger: Ledger

    init() async throws {
        let dir = try TemporaryDirectory()
        let database = try SQLiteDatabase(directory: dir.url)
        let store = SQLiteLedgerStore(database: database)
        ledger = try await Ledger.open(store: store, key: Self.key, origin: "t")
        (self.database, self.store) = (database, store)
        self.dir = dir
    }
}

@Suite("Field lists kept once")
struct FieldListTests {
    static let key = SQLiteLedgerFixture.key

    func disclosure(_ n: Int, fields: Int = 40, rule: String = "share") -> LedgerDraft {
        LedgerDraft(
            actor: LedgerActor(kind: .partner, id: "met-police"),
            recipient: "met-police",
            action: .disclosure,
            caseIDs: ["CASE-\(n)"],
            purpose: "p",
            fields: DisclosedFields((0..<fields).map { DisclosedField(path: "field\($0)", rule: rule) }),
            requestID: "r\(n)"
        )
    }

    @Test("A list first written in a transaction that fails is not remembered: the next append stores it again")
    func rolledBackListForgotten() async throws {
        let t = try await SQLiteLedgerFixture()
        let (database, store, ledger) = (t.database, t.store, t.ledger)
        _ = try await ledger.append(disclosure(0))
        // A link row already in the place the next entry's goes: that entry's insert fails after its list was written.
        try await database.cases.write { db in try db.execute(sql: "INSERT INTO ledger_case_links (bucket, case_id, idx) VALUES (0, 'CASE-1', 1)") }
        await #expect(throws: (any Error).self) {
            _ = try await ledger.append(disclosure(1, fields: 40, rule: "scrub"))
        }
        try await database.cases.write { db in try db.execute(sql: "DELETE FROM ledger_case_links WHERE case_id = 'CASE-1'") }
        let receipt = try await ledger.append(disclosure(99, fields: 40, rule: "scrub"))
        #expect(try await store.entries(from: receipt.index, limit: 1).first?.bytes == receipt.entryBytes)
        #expect(try await LedgerVerifier(store: store, publicKey: Self.key.publicKey, origin: "t").verify().problem == nil)
    }
}

@Suite("Case change mark")
struct CaseChangeMarkTests {
    @Test("A change whose transaction fails after the case was written leaves it where it was")
    func rollback() async throws {
        let f = try await SQLiteLedgerFixture()
        let store = SQLiteCaseStore(database: f.database, clock: testClock)
        let id = try await store.create(sampleCase()).id
        let before = try await store.changeMark()
        // A link row already where the entry's goes: the case is updated, then the entry's insert fails.
        let next = f.ledger.size
        try await f.database.cases.write { db in
            try db.execute(sql: "INSERT INTO ledger_case_links (bucket, case_id, idx) VALUES (0, ?, ?)", arguments: [id.uuidString, next])
        }
        let draft = LedgerDraft(actor: LedgerActor(kind: .staff, id: "u"), action: .alteration, caseIDs: [id.uuidString])
        await #expect(throws: (any Error).self) {
            _ = try await store.update(id, recordedBy: draft, in: f.ledger) { $0.narrative = "Never stored." }
        }
        #expect(try await store.get(id)?.narrative == sampleCase().narrative)
        #expect(try await store.changeMark() == before)
    }
}

@Suite("SQLite durability")
struct SQLiteDurabilityTests {
    @Test("both databases sync every commit (synchronous = FULL on the writing connection, which GRDB's pool sets to NORMAL)")
    func everyCommitSynced() async throws {
        let dir = try TemporaryDirectory()
        let database = try SQLiteDatabase(directory: dir.url)
        for pool in [database.cases, database.keys] {
            #expect(try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
            #expect(try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        }
        // And still so after the store is opened again.
        let reopened = try SQLiteDatabase(directory: dir.url)
        #expect(try await reopened.cases.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
    }
}
