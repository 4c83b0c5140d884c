import Foundation
import GRDB
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
