import CaseModel
import CasegateTestSupport
import DemoData
import Foundation
import Ledger
import SQLiteStorage
import Storage
import Testing

/// Runs `body` against a fresh store of each kind, removing it afterwards.
func withStore(_ kind: BackendKind, _ body: (TestBackend) async throws -> Void) async throws {
    let store = try await TestBackend.make(kind)
    do {
        try await body(store)
        await store.remove()
    } catch {
        await store.remove()
        throw error
    }
}

@Suite("Case store (each backend)")
struct CaseStoreTests {
    @Test(arguments: BackendKind.available) func roundTripsACase(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let store = t.backend.cases(clock: testClock)
            let original = sampleCase()
            let stored = try await store.create(original)
            #expect(stored.reference.hasPrefix("ASB-"))
            let read = try #require(try await store.get(original.id))
            #expect(read == stored)
            #expect(read.parties == original.parties)
            #expect(try await store.get(UUID()) == nil)
        }
    }

    @Test(arguments: BackendKind.available) func bulkCreate(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let store = t.backend.cases(clock: testClock)
            _ = try await store.create(sampleCase())
            let many = try await store.createMany((0..<50).map { _ in sampleCase() })
            #expect(many.last?.reference.hasSuffix("000051") == true)
            #expect(try await store.count() == 51)
            for c in many.prefix(5) { #expect(try await store.get(c.id) == c) }
            #expect(try await store.caseIDs(partyName: "Theodora Quilliam-Vance", dateOfBirth: CalendarDate("1961-03-14")).count == 51)
        }
    }

    @Test(arguments: BackendKind.available) func referencesAreSequential(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let store = t.backend.cases(clock: testClock)
            let a = try await store.create(sampleCase())
            let b = try await store.create(sampleCase())
            #expect(a.reference.hasSuffix("000001"))
            #expect(b.reference.hasSuffix("000002"))
        }
    }

    @Test(arguments: BackendKind.available) func updatesApplyRulesAtomically(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let store = t.backend.cases(clock: testClock)
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
    }

    @Test(arguments: BackendKind.available) func listsWithFiltersAndCursor(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let store = t.backend.cases(clock: testClock)
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
    }

    @Test("personal fields never reach the database in plaintext", arguments: BackendKind.available)
    func personalDataIsEncryptedAtRest(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let store = t.backend.cases(clock: testClock)
            let c = try await store.create(sampleCase())
            _ = try await store.update(c.id) {
                try $0.record(CaseEvent(kind: .homeVisitOffered, at: Date(), author: "u1", note: "Spoke to Quentin Marchbanks-Oyelaran"))
            }
            let secrets = [
                "Theodora Quilliam-Vance", "07700 900123", "Zanzibar Mews", "Bartholomew Xylander", "theodora.qv@example.org",
                "1961-03-14", "Uses a wheelchair", "Persistent knocking", "Quentin Marchbanks-Oyelaran", "W5 9ZZ",
            ]
            if kind == .sqlite {
                #expect(
                    FileManager.default.fileExists(atPath: t.directory.appendingPathComponent("casegate.sqlite-wal").path),
                    "the WAL is searched too"
                )
            }
            let bytes = try await t.rawContents()
            for secret in secrets {
                #expect(!bytes.contains(secret), "\(secret) found in the \(kind) store")
            }
            // The clear columns are there, as designed, for queries.
            #expect(bytes.contains("Ealing Broadway"))
        }
    }

    @Test("a case cannot be read with another master key", arguments: BackendKind.available)
    func dataKeysAreRequired(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            _ = try await t.backend.cases(clock: testClock).create(sampleCase())
            try FileManager.default.removeItem(at: t.directory.appendingPathComponent(SQLiteDatabase.masterKeyFileName))
            // Without its key (a new one is never made for a store that has data) the store is refused at the door.
            await #expect(throws: StorageError.self) { _ = try await t.reopen() }
            // With another key, too: its check value is not the store's.
            try writeKeyFile(Data(repeating: 3, count: 32), to: t.directory.appendingPathComponent(SQLiteDatabase.masterKeyFileName))
            await #expect(throws: StorageError.self) { _ = try await t.reopen() }
        }
    }

    @Test("two handles on one store read each other's cases and number them in one sequence", arguments: BackendKind.available)
    func sharedStoreSeesOneAnother(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            // Two handles on one store (two processes, or two instances): a case one writes, the other reads.
            let other = try await t.reopen()
            let c = try await t.backend.cases(clock: testClock).create(sampleCase())
            let d = try await other.cases(clock: testClock).create(sampleCase())
            #expect(try await other.cases(clock: testClock).get(c.id) == c)
            #expect(d.reference.hasSuffix("000002"), "numbered after the other handle's case")
            await other.close()
        }
    }

    @Test(
        "the change mark moves with every change or deletion of a case, through this handle or another, and with nothing else",
        arguments: BackendKind.available
    )
    func changeMark(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let store = t.backend.cases(clock: testClock)
            let mark = { try await store.changeMark() }
            let ids = try await store.createMany((0..<3).map { _ in sampleCase() }).map(\.id)
            let start = try await mark()

            // Reads, new cases and disclosures leave it alone.
            _ = try await store.get(ids[0])
            _ = try await store.create(sampleCase())
            let ledger = try await Ledger.open(store: t.backend.ledger, key: LedgerSigningKey(name: "t", privateKey: .init()), origin: "t")
            _ = try await ledger.append(LedgerDraft(actor: LedgerActor(kind: .partner, id: "p"), action: .disclosure, caseIDs: [ids[0].uuidString]))
            #expect(try await mark() == start)

            _ = try await store.update(ids[0]) { $0.narrative = "Changed." }
            let updated = try await mark()
            #expect(updated > start)

            // Another process or instance: its own connections to the same data.
            let other = try await t.reopen()
            _ = try await other.cases(clock: testClock).update(ids[1]) { $0.narrative = "Changed elsewhere." }
            let elsewhere = try await mark()
            #expect(elsewhere > updated)
            _ = try await other.retention.purge([(caseID: ids[2].uuidString, rule: "r", category: "C")], sweepID: "s1")
            #expect(try await store.get(ids[2]) == nil)
            #expect(try await mark() > elsewhere)
            await other.close()
        }
    }

    @Test("a case read with its change mark: the mark of the case as read, moved with it, nil for no case", arguments: BackendKind.available)
    func markedCase(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let store = t.backend.cases(clock: testClock)
            let id = try await store.create(sampleCase()).id
            #expect(try await store.markedCase(UUID()) == nil)

            let first = try #require(try await store.markedCase(id))
            let (mark, read) = (try await store.changeMark(), try await store.get(id))
            #expect(first.mark == mark)
            #expect(first.case == read)

            let other = try await t.reopen()
            _ = try await other.cases(clock: testClock).update(id) { $0.narrative = "Changed elsewhere." }
            let second = try #require(try await store.markedCase(id))
            let moved = try await store.changeMark()
            #expect(second.mark > first.mark && second.mark == moved)
            #expect(second.case.narrative == "Changed elsewhere." && second.case.version == first.case.version + 1)
            await other.close()
        }
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
        try writeKeyFile(Data(repeating: 1, count: 16), to: dir.url.appendingPathComponent("master.key"))
        #expect(throws: StorageError.self) { _ = try SQLiteDatabase(directory: dir.url) }
    }
}
