import CaseModel
import DemoData
import Foundation
import Storage
import Testing

@Suite("SQLite case store")
struct SQLiteCaseStoreTests {
    @Test func roundTripsACase() async throws {
        let dir = try TemporaryDirectory()
        let store = SQLiteCaseStore(database: try SQLiteDatabase(directory: dir.url), clock: testClock)
        let original = sampleCase()
        let stored = try await store.create(original)
        #expect(stored.reference.hasPrefix("ASB-"))
        let read = try #require(try await store.get(original.id))
        #expect(read == stored)
        #expect(read.parties == original.parties)
        #expect(try await store.get(UUID()) == nil)
    }

    @Test func bulkCreate() async throws {
        let dir = try TemporaryDirectory()
        let store = SQLiteCaseStore(database: try SQLiteDatabase(directory: dir.url), clock: testClock)
        _ = try await store.create(sampleCase())
        let many = try await store.createMany((0..<50).map { _ in sampleCase() })
        #expect(many.last?.reference.hasSuffix("000051") == true)
        #expect(try await store.count() == 51)
        for c in many.prefix(5) { #expect(try await store.get(c.id) == c) }
        #expect(try await store.caseIDs(partyName: "Theodora Quilliam-Vance", dateOfBirth: CalendarDate("1961-03-14")).count == 51)
    }

    @Test func referencesAreSequential() async throws {
        let dir = try TemporaryDirectory()
        let store = SQLiteCaseStore(database: try SQLiteDatabase(directory: dir.url), clock: testClock)
        let a = try await store.create(sampleCase())
        let b = try await store.create(sampleCase())
        #expect(a.reference.hasSuffix("000001"))
        #expect(b.reference.hasSuffix("000002"))
    }

    @Test func updatesApplyRulesAtomically() async throws {
        let dir = try TemporaryDirectory()
        let store = SQLiteCaseStore(database: try SQLiteDatabase(directory: dir.url), clock: testClock)
        let c = try await store.create(sampleCase())
        let event = CaseEvent(kind: .caseClosed, at: Date(), author: "u1", note: "done")
        let updated = try await store.update(c.id) { try $0.record(event) }
        #expect(updated.status == .closed)
        // A rule violation inside the change leaves the stored case as it was.
        await #expect(throws: CaseRuleViolation.caseClosed(.homeVisitOffered)) {
            _ = try await store.update(c.id) { try $0.record(CaseEvent(kind: .homeVisitOffered, at: Date(), author: "u1")) }
        }
        let read = try #require(try await store.get(c.id))
        #expect(read.events.map(\.kind) == [.caseClosed])
        await #expect(throws: StorageError.notFound(caseID: UUID(uuidString: "00000000-0000-0000-0000-000000000001")!.uuidString)) {
            _ = try await store.update(UUID(uuidString: "00000000-0000-0000-0000-000000000001")!) { _ in }
        }
    }

    @Test func listsWithFiltersAndCursor() async throws {
        let dir = try TemporaryDirectory()
        let store = SQLiteCaseStore(database: try SQLiteDatabase(directory: dir.url), clock: testClock)
        var generator = DemoCaseGenerator(seed: 7, clock: testClock)
        let cases = generator.makeCases(60)
        for c in cases { _ = try await store.create(c) }

        var seen: [UUID] = []
        var cursor: String?
        repeat {
            let page = try await store.list(CaseQuery(limit: 25, cursor: cursor))
            seen += page.cases.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen.count == 60)
        #expect(Set(seen) == Set(cases.map(\.id)))
        #expect(seen == cases.map(\.id).reversed())  // newest first

        let categoryA = try await store.list(CaseQuery(categories: [.a], statuses: [.open], limit: 1000))
        #expect(categoryA.cases.count == cases.filter { $0.category == .a && $0.status == .open }.count)
        #expect(categoryA.cases.allSatisfy { $0.category == .a && $0.status == .open })

        let ward = cases[0].ward
        let byWard = try await store.list(CaseQuery(wards: [ward], limit: 1000))
        #expect(byWard.cases.count == cases.filter { $0.ward == ward }.count)

        let today = CalendarDate(Date())
        let overdue = try await store.list(CaseQuery(overdueOn: today, limit: 1000))
        #expect(Set(overdue.cases.map(\.id)) == Set(cases.filter { testClock.isOverdue($0, on: today) }.map(\.id)))
        #expect(!overdue.cases.isEmpty)

        await #expect(throws: StorageError.invalidCursor) { _ = try await store.list(CaseQuery(cursor: "not-a-cursor")) }
    }

    @Test("personal fields never reach the database files in plaintext")
    func personalDataIsEncryptedAtRest() async throws {
        let dir = try TemporaryDirectory()
        let database = try SQLiteDatabase(directory: dir.url)
        let store = SQLiteCaseStore(database: database, clock: testClock)
        let c = try await store.create(sampleCase())
        _ = try await store.update(c.id) {
            try $0.record(CaseEvent(kind: .homeVisitOffered, at: Date(), author: "u1", note: "Spoke to Quentin Marchbanks-Oyelaran"))
        }
        let secrets = ["Theodora Quilliam-Vance", "07700 900123", "Zanzibar Mews", "Bartholomew Xylander", "theodora.qv@example.org",
                       "1961-03-14", "Uses a wheelchair", "Persistent knocking", "Quentin Marchbanks-Oyelaran", "W5 9ZZ"]
        var files = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).map { dir.url.appendingPathComponent($0) }
        files = files.filter { $0.lastPathComponent.contains(".sqlite") }
        #expect(files.contains { $0.lastPathComponent.hasSuffix("-wal") })
        for file in files {
            let bytes = try Data(contentsOf: file)
            for secret in secrets {
                #expect(!bytes.contains(secret), "\(secret) found in \(file.lastPathComponent)")
            }
        }
        // The clear columns are there, as designed, for queries.
        let caseFile = try Data(contentsOf: database.caseFile) + Data(contentsOf: URL(fileURLWithPath: database.caseFile.path + "-wal"))
        #expect(caseFile.contains("Ealing Broadway"))
    }

    @Test("a case cannot be read without its data key or with another master key")
    func dataKeysAreRequired() async throws {
        let dir = try TemporaryDirectory()
        let store = SQLiteCaseStore(database: try SQLiteDatabase(directory: dir.url), clock: testClock)
        let c = try await store.create(sampleCase())
        try FileManager.default.removeItem(at: dir.url.appendingPathComponent(SQLiteDatabase.masterKeyFileName))
        let reopened = SQLiteCaseStore(database: try SQLiteDatabase(directory: dir.url), clock: testClock)
        await #expect(throws: (any Error).self) { _ = try await reopened.get(c.id) }
    }

    @Test func masterKeyFileIsOwnerOnly() throws {
        let dir = try TemporaryDirectory()
        _ = try SQLiteDatabase(directory: dir.url)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.url.appendingPathComponent("master.key").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.size] as? Int) == 32)
    }

    @Test func rejectsAMasterKeyOfTheWrongLength() throws {
        let dir = try TemporaryDirectory()
        try Data(repeating: 1, count: 16).write(to: dir.url.appendingPathComponent("master.key"))
        #expect(throws: StorageError.self) { _ = try SQLiteDatabase(directory: dir.url) }
    }
}
