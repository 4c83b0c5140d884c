import CaseModel
import CasegateTestSupport
import Foundation
import GRDB
import Ledger
import Logging
import PostgresNIO
import Storage
import Synchronization
import Testing

@testable import PostgresStorage
@testable import SQLiteStorage

@Suite("The ledger's store: durable, queryable, tamper-evident, shared by many writers (each backend)")
struct LedgerStoreTests {
    static let key = LedgerSigningKey(name: "test/ledger", privateKey: .init())

    func filledLedger(_ t: TestBackend) async throws -> Ledger {
        let ledger = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
        for n in 0..<30 {
            _ = try await ledger.append(
                LedgerDraft(
                    actor: LedgerActor(kind: .partner, id: n % 2 == 0 ? "met-police" : "lfb"),
                    recipient: n % 2 == 0 ? "met-police" : "lfb",
                    action: n % 3 == 0 ? .consultation : .disclosure,
                    caseIDs: ["CASE-\(n % 4)"],
                    requestID: "r\(n)"
                )
            )
            if n % 10 == 9 { _ = try await ledger.checkpoint() }
        }
        return ledger
    }

    /// Two ledgers on one store, through two handles (as two processes or instances have); close the second handle after.
    func twoLedgers(_ t: TestBackend) async throws -> (Ledger, Ledger, any StorageBackend) {
        let otherBackend = try await t.reopen()
        let a = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
        let b = try await Ledger.open(store: otherBackend.ledger, key: Self.key, origin: "test/ledger")
        return (a, b, otherBackend)
    }

    func verify(_ store: any LedgerStore) async throws -> LedgerVerifier.Report {
        try await LedgerVerifier(store: store, publicKey: Self.key.publicKey, origin: "test/ledger").verify()
    }

    @Test(arguments: BackendKind.available) func reopensAndQueries(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let ledger = try await filledLedger(t)
            let reopened = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
            let (reopenedRoot, root) = (try await reopened.root(size: 30), try await ledger.root(size: 30))
            #expect(reopened.size == 30 && reopenedRoot == root)
            let store = t.backend.ledger
            let police = try await store.query(LedgerQuery(recipient: "met-police", actions: [.disclosure], limit: 100))
            #expect(police.count == 10)  // even n, not divisible by 3
            let byCase = try await store.query(LedgerQuery(caseIDs: ["CASE-1"], limit: 100))
            #expect(byCase.map(\.index) == [1, 5, 9, 13, 17, 21, 25, 29])
            let page = try await store.query(LedgerQuery(after: 25, limit: 100))
            #expect(page.map(\.index) == [26, 27, 28, 29])
            #expect(try await verify(store).problem == nil)
        }
    }

    @Test(
        "lookups by case across many stretches of the log: every entry once, in order, paged, within index bounds",
        arguments: BackendKind.available
    )
    func caseLookupsAcrossTheLog(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let ledger = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
            // 10,000 entries: several of the SQLite store's 4,096-entry buckets; every 1,000th names two cases.
            for start in stride(from: 0, to: 10_000, by: 1000) {
                _ = try await ledger.append(
                    (start..<start + 1000).map { n in
                        LedgerDraft(actor: .system, action: .consultation, caseIDs: n % 1000 == 0 ? ["CASE-3", "CASE-X"] : ["CASE-\(n % 7)"])
                    }
                )
            }
            let store = t.backend.ledger
            let expected = (0..<10_000).filter { $0 % 7 == 3 || $0 % 1000 == 0 }
            var seen: [Int] = []
            var after: Int?
            while true {
                let page = try await store.query(LedgerQuery(caseIDs: ["CASE-3"], after: after, limit: 500))
                seen += page.map(\.index)
                guard page.count == 500 else { break }
                after = page.last!.index
            }
            #expect(seen == expected)
            let both = try await store.query(LedgerQuery(caseIDs: ["CASE-X", "CASE-5"], after: 4000, limit: 10_000)).map(\.index)
            #expect(both == (4001..<10_000).filter { $0 % 7 == 5 || $0 % 1000 == 0 })
            #expect(try await store.query(LedgerQuery(caseIDs: ["CASE-X"], after: 9000, limit: 10)).isEmpty)
            #expect(try await store.query(LedgerQuery(caseIDs: ["CASE-NONE"], limit: 10)).isEmpty)
        }
    }

    /// 60 entries: disclosures to two partners, with a notification, an acknowledgement or a subject request
    /// every fifth, and a consultation every seventh.
    func mixedLedger(_ t: TestBackend) async throws {
        let ledger = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
        for n in 0..<60 {
            let rare: [LedgerAction] = [.notification, .acknowledgement, .subjectRequest]
            let action: LedgerAction = n % 5 == 0 ? rare[(n / 5) % 3] : n % 7 == 0 ? .consultation : .disclosure
            let recipient = action == .subjectRequest || action == .consultation ? nil : n % 2 == 0 ? "met-police" : "lfb"
            _ = try await ledger.append(
                LedgerDraft(actor: .system, recipient: recipient, action: action, caseIDs: ["CASE-\(n % 3)"], requestID: "r\(n)")
            )
        }
    }

    @Test(
        "queries by action, with disclosures and without, find the same entries on every backend",
        arguments: BackendKind.available
    )
    func queriesByAction(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            try await mixedLedger(t)
            let store = t.backend.ledger
            let all = try await store.entries(from: 0, limit: 100).map { try $0.decoded() }
            func expected(_ recipient: String?, _ actions: Set<LedgerAction>?, after: Int = -1) -> [Int] {
                all.indices.filter { n in
                    n > after && (recipient == nil || all[n].recipient == recipient) && (actions?.contains(all[n].action) ?? true)
                }
            }
            let cases: [(String?, Set<LedgerAction>?)] = [
                ("lfb", [.notification]), ("met-police", [.notification, .acknowledgement]), (nil, [.subjectRequest]),
                (nil, [.notification, .acknowledgement]), ("lfb", [.disclosure]), (nil, [.disclosure]),
                ("met-police", [.disclosure, .notification]), ("lfb", nil), (nil, [.consultation]),
            ]
            for (recipient, actions) in cases {
                let found = try await store.query(LedgerQuery(recipient: recipient, actions: actions, limit: 100)).map(\.index)
                #expect(found == expected(recipient, actions), "\(recipient ?? "any"), \(actions.map { $0.map(\.rawValue).sorted() } ?? [])")
                #expect(!found.isEmpty)
                let later = try await store.query(LedgerQuery(recipient: recipient, actions: actions, after: 30, limit: 100)).map(\.index)
                #expect(later == expected(recipient, actions, after: 30))
            }
        }
    }

    @Test("SQLite answers a query for notices from the partial indexes by action, which hold no disclosures")
    func partialActionIndexesUsed() async throws {
        try await withStore(.sqlite) { t in
            try await mixedLedger(t)
            let queue = try DatabaseQueue(path: t.directory.appendingPathComponent(SQLiteDatabase.caseFileName).path)
            defer { try? queue.close() }
            func plan(_ query: LedgerQuery) async throws -> String {
                let (sql, arguments) = SQLiteLedgerStore.select(query, lowest: 0, highest: nil)
                return try await queue.read { db in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
                        .joined(separator: "; ")
                }
            }
            let feed = try await plan(LedgerQuery(recipient: "lfb", actions: [.notification], after: 10, limit: 100))
            #expect(feed.contains("USING INDEX ledger_by_recipient_action"), "\(feed)")
            let register = try await plan(LedgerQuery(actions: [.subjectRequest], limit: 100))
            #expect(register.contains("USING INDEX ledger_by_action"), "\(register)")
            // The index holds every entry but the disclosures: 12 rare ones and 7 consultations of the 60.
            let stored = "SELECT count(*) FROM ledger_entries INDEXED BY ledger_by_action WHERE \(LedgerActionIndexes.predicate)"
            #expect(try await t.integer(stored) == 19)
            let definitions = try await queue.read { db in
                try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE name IN ('ledger_by_action', 'ledger_by_recipient_action')")
            }
            #expect(definitions.count == 2 && definitions.allSatisfy { $0.hasSuffix("WHERE \(LedgerActionIndexes.predicate)") })
        }
    }

    /// Alters a stored entry's bytes behind the ledger's back, as someone with write access to the database could.
    func replaceText(in index: Int, _ text: String, with replacement: String, _ t: TestBackend) async throws {
        try await t.execute(
            t.kind == .sqlite
                ? "UPDATE ledger_entries SET entry = CAST(replace(CAST(entry AS TEXT), '\(text)', '\(replacement)') AS BLOB) WHERE idx = \(index)"
                : "UPDATE ledger_entries SET entry = convert_to(replace(convert_from(entry, 'UTF8'), '\(text)', '\(replacement)'), 'UTF8') WHERE idx = \(index)"
        )
    }

    @Test("a changed byte in a stored entry is named", arguments: BackendKind.available)
    func changedByte(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            _ = try await filledLedger(t)
            try await replaceText(in: 12, "\"r12\"", with: "\"r99\"", t)
            #expect(try await verify(t.backend.ledger).problem?.index == 12)
        }
    }

    @Test(
        "runs read ahead and checked on several cores: the lowest damaged entry is named, the entries before it counted",
        arguments: BackendKind.available
    )
    func firstDamageAcrossPages(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let ledger = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
            for start in stride(from: 0, to: 10_000, by: 2500) { _ = try await ledger.append((start..<start + 2500).map { disclosure($0) }) }
            _ = try await ledger.checkpoint()
            let verifier = LedgerVerifier(store: t.backend.ledger, publicKey: Self.key.publicKey, origin: "test/ledger")
            let sound = try await verifier.verify(runLength: 2048)
            let root = try await ledger.root(size: 10_000)
            #expect(sound.problem == nil && sound.entries == 10_000 && sound.root == root)
            func alter(_ index: Int) async throws { try await replaceText(in: index, "\"r\(index)\"", with: "\"rX\"", t) }
            // Three in different runs, read at once: the lowest is named.
            try await alter(9000)
            try await alter(7900)
            try await alter(4500)
            let altered = try await verifier.verify(runLength: 2048)
            #expect(altered.problem?.index == 4500 && altered.entries == 4500)
            #expect(altered.problem?.reason.contains("altered") == true)
            try await t.execute("DELETE FROM ledger_entries WHERE idx = 3000")
            let missing = try await verifier.verify(runLength: 2048)
            #expect(missing.problem?.description == "index 3000: entry 3000 is missing; the next stored entry is 3001")
            #expect(missing.entries == 3000)
        }
    }

    func disclosure(_ n: Int, fields: Int = 40) -> LedgerDraft {
        LedgerDraft(
            actor: LedgerActor(kind: .partner, id: "met-police"),
            recipient: "met-police",
            action: .disclosure,
            caseIDs: ["CASE-\(n)"],
            purpose: "p",
            fields: DisclosedFields((0..<fields).map { DisclosedField(path: "field\($0)", rule: "share") }),
            requestID: "r\(n)"
        )
    }

    @Test("disclosures' field lists are kept once: entries stored without them, read back byte for byte", arguments: BackendKind.available)
    func fieldListsKeptOnce(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let ledger = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
            var receipts: [LedgerReceipt] = []
            for n in 0..<5 { receipts.append(try await ledger.append(disclosure(n))) }
            receipts += try await ledger.append([disclosure(5, fields: 1), LedgerDraft(actor: .system, action: .consultation, requestID: "x")])
            _ = try await ledger.checkpoint()
            let store = t.backend.ledger
            #expect(try await store.entries(from: 0, limit: 100).map(\.bytes) == receipts.map(\.entryBytes))
            #expect(try await store.query(LedgerQuery(caseIDs: ["CASE-3"], limit: 10)).map(\.bytes) == [receipts[3].entryBytes])
            #expect(
                try await store.query(LedgerQuery(recipient: "met-police", limit: 10)).map(\.bytes) == Array(receipts.map(\.entryBytes).prefix(6))
            )
            #expect(try await t.integer("SELECT COUNT(*) FROM ledger_field_lists") == 1, "the one-field list is short enough to stay inline")
            #expect(try await t.integer("SELECT COUNT(*) FROM ledger_entries WHERE fields_list IS NOT NULL") == 5)
            #expect(
                try await t.integer("SELECT MAX(length(entry)) FROM ledger_entries WHERE fields_list IS NOT NULL") < receipts[0].entryBytes.count / 2
            )
            #expect(try await verify(store).problem == nil)
            // A second handle on the store (another process or instance) finds the stored list instead of adding one.
            let second = try await t.reopen()
            let receipt = try await Ledger.open(store: second.ledger, key: Self.key, origin: "test/ledger").append(disclosure(6))
            await second.close()
            #expect(try await t.integer("SELECT COUNT(*) FROM ledger_field_lists") == 1)
            #expect(try await store.entries(from: receipt.index, limit: 1).first?.bytes == receipt.entryBytes)
        }
    }

    @Test("an altered or missing stored field list fails every entry that uses it", arguments: BackendKind.available)
    func tamperedFieldList(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let ledger = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
            _ = try await ledger.append(LedgerDraft(actor: .system, action: .consultation, requestID: "first"))
            for n in 0..<3 { _ = try await ledger.append(disclosure(n)) }
            _ = try await ledger.checkpoint()
            #expect(try await verify(t.backend.ledger).problem == nil)
            try await t.execute(
                kind == .sqlite
                    ? "UPDATE ledger_field_lists SET list = replace(list, 'share', 'shard')"
                    : "UPDATE ledger_field_lists SET list = convert_to(replace(convert_from(list, 'UTF8'), 'share', 'shard'), 'UTF8')"
            )
            #expect(try await verify(t.backend.ledger).problem?.index == 1)
            if kind == .sqlite {
                try await t.execute("PRAGMA foreign_keys = OFF; DELETE FROM ledger_field_lists")  // one connection: the pragma holds for the delete
            } else {
                try await t.execute("ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_fields_list_fkey")
                try await t.execute("DELETE FROM ledger_field_lists")
            }
            #expect(try await verify(t.backend.ledger).problem?.index == 1)
        }
    }

    @Test("a deleted entry is named", arguments: BackendKind.available)
    func deleted(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            _ = try await filledLedger(t)
            try await t.execute("DELETE FROM ledger_entries WHERE idx = 17")
            #expect(try await verify(t.backend.ledger).problem?.index == 17)
        }
    }

    @Test("two swapped entries are named", arguments: BackendKind.available)
    func swapped(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            _ = try await filledLedger(t)
            try await t.execute("UPDATE ledger_entries SET idx = -1 WHERE idx = 4")
            try await t.execute("UPDATE ledger_entries SET idx = 4 WHERE idx = 5")
            try await t.execute("UPDATE ledger_entries SET idx = 5 WHERE idx = -1")
            #expect(try await verify(t.backend.ledger).problem?.index == 4)
        }
    }

    @Test("a replaced checkpoint is named", arguments: BackendKind.available)
    func replacedCheckpoint(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            _ = try await filledLedger(t)
            let forged = try Checkpoint(origin: "test/ledger", size: 20, root: Array(repeating: 7, count: 32))
                .signed(with: LedgerSigningKey(name: "test/ledger", privateKey: .init()))
            try await t.execute("UPDATE ledger_checkpoints SET note = '\(forged)' WHERE size = 20")
            let problem = try #require(try await verify(t.backend.ledger).problem)
            #expect(problem.reason.contains("checkpoint at size 20"))
            #expect(problem.index == 10)
        }
    }

    @Test(
        "tile roots: recorded, replaced, kept apart by height, read back as the run from tile 0, dropped from a tile on",
        arguments: BackendKind.available
    )
    func tileRootRecords(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let store = t.backend.ledger
            let roots = (0..<5).map { [UInt8](repeating: UInt8($0 + 1), count: 32) }
            let other = [UInt8](repeating: 0xEE, count: 32)
            #expect(try await store.tileRoots(height: 8).isEmpty)
            try await store.saveTileRoots(height: 8, from: 0, Array(roots[0..<3]))
            try await store.saveTileRoots(height: 8, from: 3, Array(roots[3...]))
            try await store.saveTileRoots(height: 4, from: 0, [other])
            #expect(try await store.tileRoots(height: 8) == roots)
            #expect(try await store.tileRoots(height: 4) == [other])
            try await store.saveTileRoots(height: 8, from: 1, [other])
            #expect(try await store.tileRoots(height: 8) == [roots[0], other] + roots[2...])
            // Past a gap or a malformed root nothing counts: the tree takes those leaves from the entries.
            try await store.saveTileRoots(height: 8, from: 7, [other])
            #expect(try await store.tileRoots(height: 8).count == 5)
            try await t.execute(
                kind == .sqlite
                    ? "UPDATE ledger_tile_roots SET root = X'00' WHERE height = 8 AND tile = 3"
                    : "UPDATE ledger_tile_roots SET root = '\\x00'::bytea WHERE height = 8 AND tile = 3"
            )
            #expect(try await store.tileRoots(height: 8) == [roots[0], other, roots[2]])
            try await store.dropTileRoots(height: 8, from: 2)
            #expect(try await store.tileRoots(height: 8) == [roots[0], other])
            #expect(try await store.tileRoots(height: 4) == [other])
        }
    }

    @Test(
        "two writers record the tiles of their one log; a ledger opened on it reads the roots and the same tree",
        arguments: BackendKind.available
    )
    func tileRootsOfTwoWriters(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let (a, b, otherBackend) = try await twoLedgers(t)
            for n in 0..<10 {
                _ = try await (n % 2 == 0 ? a : b).append((0..<100).map { LedgerDraft(actor: .system, action: .consultation, caseIDs: ["C\($0)"]) })
                _ = try await (n % 2 == 0 ? b : a).checkpoint()
            }
            let leaves = try await t.backend.ledger.leafHashes(from: 0)
            let expected = MerkleTree(leafHashes: leaves).tileRoots(from: 0)
            #expect(expected.count == 3)
            #expect(try await t.backend.ledger.tileRoots(height: MerkleTree.defaultTileHeight) == expected)
            let reopened = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
            #expect(try await reopened.root(size: 1000) == a.root(size: 1000))
            #expect(try await reopened.inclusionProof(index: 5, size: 1000) == b.inclusionProof(index: 5, size: 1000))
            #expect(try await verify(t.backend.ledger).problem == nil)
            await otherBackend.close()
        }
    }

    @Test(
        "two writers on one store make one log: every entry once, in one tree, each writer's proofs good for the other's entries",
        arguments: BackendKind.available
    )
    func twoWriters(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let (a, b, otherBackend) = try await twoLedgers(t)
            let receipts = try await withThrowingTaskGroup(of: LedgerReceipt.self) { group in
                for n in 0..<200 {
                    let ledger = n % 2 == 0 ? a : b
                    group.addTask {
                        try await ledger.append(
                            LedgerDraft(
                                actor: LedgerActor(kind: .partner, id: "p\(n % 2)"),
                                action: .disclosure,
                                caseIDs: ["C\(n)"],
                                requestID: "r\(n)"
                            )
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(receipts.map(\.index)) == Set(0..<200), "every index used once")
            let (size, note) = try await a.checkpoint()
            #expect(size == 200, "a checkpoint covers the other writer's entries too")
            #expect(try await b.checkpoint().note == note, "the first note signed for a size is the one both give")
            for receipt in receipts.prefix(20) {
                let proof = try await b.inclusionProof(index: receipt.index, size: size)
                let root = try await a.root(size: size)
                #expect(MerkleProof.verifyInclusion(leafHash: receipt.entryHash, index: receipt.index, size: size, proof: proof, root: root))
            }
            #expect(try await verify(t.backend.ledger).problem == nil)
            let times = try await t.backend.ledger.entries(from: 0, limit: 1000).map { try $0.decoded().time }
            #expect(times == times.sorted(), "entry times never go backwards across writers")
            await otherBackend.close()
        }
    }

    @Test(
        "a case write and its ledger entry are one transaction: a change that throws undoes both, alone in its batch",
        arguments: BackendKind.available
    )
    func writesWithTheirEntries(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let ledger = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
            let cases = t.backend.cases(clock: testClock)
            let draft: @Sendable (UUID, String) -> LedgerDraft = { id, note in
                LedgerDraft(actor: .system, action: .alteration, caseIDs: [id.uuidString], requestID: note)
            }
            let newCase = sampleCase()
            let (created, receipt) = try await cases.create(
                newCase,
                recordedBy: LedgerDraft(actor: .system, action: .collection, caseIDs: [newCase.id.uuidString]),
                in: ledger
            )
            #expect(try await cases.get(created.id) == created && receipt.index == 0)
            // In one batch with others: a good change, a change that breaks a rule, plain entries.
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask {
                    _ = try await cases.update(created.id, recordedBy: draft(created.id, "close"), in: ledger) {
                        try $0.record(CaseEvent(kind: .caseClosed, at: Date(), author: "u1"))
                    }
                    return "closed"
                }
                group.addTask {
                    do {
                        _ = try await cases.update(UUID(), recordedBy: draft(UUID(), "missing"), in: ledger) { _ in }
                        return "missing written"
                    } catch let error as StorageError {
                        return error.description.hasPrefix("no case") ? "missing refused" : "\(error)"
                    }
                }
                for n in 0..<20 {
                    group.addTask {
                        _ = try await ledger.append(LedgerDraft(actor: .system, action: .consultation, caseIDs: ["other-\(n)"]))
                        return "plain"
                    }
                }
                return try await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(outcomes == ["closed": 1, "missing refused": 1, "plain": 20])
            // A rule broken inside the change: the error comes back, and neither the case nor the ledger changes.
            let size = ledger.size
            await #expect(throws: CaseRuleViolation.self) {
                _ = try await cases.update(created.id, recordedBy: draft(created.id, "visit"), in: ledger) {
                    try $0.record(CaseEvent(kind: .homeVisitOffered, at: Date(), author: "u1"))
                }
            }
            #expect(ledger.size == size)
            #expect(try await cases.get(created.id)?.events.map(\.kind) == [.caseClosed])
            let alterations = try await t.backend.ledger.query(LedgerQuery(actions: [.alteration], limit: 100))
            #expect(alterations.count == 1)
            #expect(try alterations.first?.decoded().requestID == "close")
            #expect(try await verify(t.backend.ledger).problem == nil)
        }
    }

    @Test(
        "a change-mark precondition lets its entry through while the mark holds; once a case has changed, before the batch or in it, its caller alone is told it was not recorded, and no entry is written",
        arguments: BackendKind.available
    )
    func changeMarkPreconditions(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let ledger = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
            let cases = t.backend.cases(clock: testClock)
            let c = try await cases.create(sampleCase())
            let disclosure = LedgerDraft(
                actor: LedgerActor(kind: .partner, id: "met-police"),
                recipient: "met-police",
                action: .disclosure,
                caseIDs: [c.id.uuidString]
            )
            let mark = try await cases.changeMark()
            guard case .recorded = try await ledger.append([disclosure], precondition: .changeMark(mark)) else {
                Issue.record("not recorded while the mark held")
                return
            }
            #expect(ledger.size == 1)

            _ = try await cases.update(c.id) { $0.narrative = "Changed." }
            #expect(try await ledger.append([disclosure], precondition: .changeMark(mark)) == .notRecorded(.changeMark(mark)))
            #expect(ledger.size == 1)
            let now = try await cases.changeMark()
            _ = try await ledger.append([disclosure], precondition: .changeMark(now))
            #expect(ledger.size == 2)

            // One transaction: an effect changes the case, then the precondition is checked and fails; the other callers go on.
            let id = c.id.uuidString
            let touch: any LedgerEffect =
                switch kind {
                case .sqlite: SQLiteLedgerEffect { db in try db.execute(sql: "UPDATE cases SET version = version + 1 WHERE id = ?", arguments: [id]) }
                case .postgres:
                    PostgresLedgerEffect { connection in
                        _ = try await connection.query("UPDATE cases SET version = version + 1 WHERE id = \(id)", logger: Logger(label: "test"))
                    }
                }
            let batch = LedgerBatch(knownSize: ledger.size, effects: [touch, nil, nil], preconditions: [nil, .changeMark(now), nil]) { _, failed in
                #expect(failed == [1])
                return []
            }
            let written = try await t.backend.ledger.append(batch)
            #expect(written.failures.count == 1)
            guard case .precondition(.changeMark(now)) = written.failures[1] else {
                Issue.record("the second caller's precondition did not fail: \(String(describing: written.failures[1]))")
                return
            }
            #expect(try await cases.changeMark() > now)
        }
    }

    @Test("an effect's failure that rolled the whole transaction back fails the batch: no entry goes in as a commit of its own")
    func transactionRolledBack() async throws {
        try await withStore(.sqlite) { t in
            let ledger = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
            _ = try await ledger.append(LedgerDraft(actor: .system, action: .consultation, caseIDs: ["before"]))
            // What SQLite itself does after some failures (out of memory, an interrupt): the transaction is gone.
            let rollsBack = SQLiteLedgerEffect { db in
                try db.execute(sql: "ROLLBACK")
                throw DatabaseError(resultCode: .SQLITE_INTERRUPT)
            }
            let batch = LedgerBatch(knownSize: 1, effects: [rollsBack, nil], preconditions: [nil, nil]) { head, _ in
                [LedgerDraft(actor: .system, action: .consultation, caseIDs: ["after"]).row(index: head.size, time: Date())]
            }
            let error = await #expect(throws: StorageError.self) { try await t.backend.ledger.append(batch) }
            #expect(error?.description.contains("transaction was rolled back") == true)
            #expect(try await t.integer("SELECT COUNT(*) FROM ledger_entries") == 1)
            #expect(try await t.integer("SELECT COUNT(*) FROM ledger_case_links") == 1)
            // The store goes on: the next batch begins its own transaction.
            _ = try await ledger.append(LedgerDraft(actor: .system, action: .consultation, caseIDs: ["next"]))
            #expect(try await verify(t.backend.ledger).problem == nil)
        }
    }

    @Test(
        "a sequencer that dies holding the ledger's lock is replaced: the next writer goes on once its session ends",
        .enabled(if: BackendKind.postgresURL != nil, "needs CASEGATE_TEST_POSTGRES_URL (scripts/test.sh sets it)")
    )
    func sequencerFailOver() async throws {
        try await withStore(.postgres) { t in
            let ledger = try await Ledger.open(store: t.backend.ledger, key: Self.key, origin: "test/ledger")
            _ = try await ledger.append(LedgerDraft(actor: .system, action: .consultation, caseIDs: ["before"]))
            let url = try PostgresURL(t.databaseURL!)
            // Another instance's sequencer: it takes the lock in a transaction and then hangs.
            let stuck = try await PostgresConnection.connect(
                configuration: .init(host: url.host, port: url.port, username: url.username, password: nil, database: url.database, tls: .disable),
                id: 99,
                logger: .init(label: "test")
            )
            try await stuck.query("BEGIN", logger: .init(label: "test"))
            try await stuck.query("SELECT pg_advisory_xact_lock(\(AdvisoryLock.ledger))", logger: .init(label: "test"))
            let done = Mutex(false)
            let append = Task {
                let receipt = try await ledger.append(LedgerDraft(actor: .system, action: .consultation, caseIDs: ["after"]))
                done.withLock { $0 = true }
                return receipt
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(!done.withLock { $0 }, "the append waits while the lock is held")
            try await stuck.close()  // the holder dies: the server aborts its transaction and frees the lock
            let receipt = try await append.value
            #expect(receipt.index == 1)
            #expect(try await verify(t.backend.ledger).problem == nil)
        }
    }

    @Test(
        "on PostgreSQL a batch whose writer knows the head is written in one round trip; when another instance has appended or the change mark has moved, that write adds nothing and the batch goes on in a transaction",
        .enabled(if: BackendKind.postgresURL != nil, "needs CASEGATE_TEST_POSTGRES_URL (scripts/test.sh sets it)")
    )
    func appendAtKnownHead() async throws {
        try await withStore(.postgres) { t in
            let (a, b, otherBackend) = try await twoLedgers(t)
            let counts = {
                (
                    (t.backend as? PostgresBackend)?.database.ledgerAppends.withLock { $0 },
                    (otherBackend as? PostgresBackend)?.database.ledgerAppends.withLock { $0 }
                )
            }
            let draft: @Sendable (String) -> LedgerDraft = { LedgerDraft(actor: .system, action: .consultation, caseIDs: [$0], requestID: $0) }
            // An empty log is a known head: the first batch and the ones after it go in one round trip.
            for n in 0..<3 { _ = try await a.append(draft("a\(n)")) }
            #expect(counts().0 == LedgerAppendCounts(atKnownHead: 3, headMoved: 0, inTransaction: 0))
            // B has seen an empty log; A has written three. B's one-step write finds the head moved and writes nothing.
            let fromB = try await b.append(draft("b0"))
            #expect(fromB.index == 3)
            #expect(counts().1 == LedgerAppendCounts(atKnownHead: 0, headMoved: 1, inTransaction: 1))
            // A's head is now B's entry, which A has not seen: the same again, then A knows the head once more.
            #expect(try await a.append(draft("a3")).index == 4)
            #expect(try await a.append(draft("a4")).index == 5)
            #expect(counts().0 == LedgerAppendCounts(atKnownHead: 4, headMoved: 1, inTransaction: 1))
            // A precondition on a mark that has moved: the one-step write refuses, the transaction says which caller failed.
            let cases = t.backend.cases(clock: testClock)
            let c = try await cases.create(sampleCase())
            let mark = try await cases.changeMark()
            _ = try await cases.update(c.id) { $0.narrative = "Changed." }
            #expect(try await a.append([draft("stale")], precondition: .changeMark(mark)) == .notRecorded(.changeMark(mark)))
            guard case .recorded(let receipts) = try await a.append([draft("fresh")], precondition: .changeMark(try await cases.changeMark())) else {
                Issue.record("not recorded while the mark held")
                return
            }
            #expect(receipts.map(\.index) == [6])
            #expect(counts().0 == LedgerAppendCounts(atKnownHead: 5, headMoved: 2, inTransaction: 2))
            let stored = try await t.backend.ledger.entries(from: 0, limit: 100).map { try $0.decoded() }
            #expect(stored.map(\.requestID) == ["a0", "a1", "a2", "b0", "a3", "a4", "fresh"])
            let times = stored.map(\.time)
            #expect(times == times.sorted(), "entry times never go backwards")
            #expect(try await verify(t.backend.ledger).problem == nil)
            await otherBackend.close()
        }
    }
}

@Suite("Ledger time ranges (each backend)")
struct LedgerTimeRangeTests {
    @Test(
        "time ranges select the right entries, and entry times never go backwards even when the clock does",
        arguments: BackendKind.available
    )
    func timeRanges(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let base = Date(timeIntervalSince1970: 1_780_000_000)
            let ticks = Mutex(0)
            // Minutes 1..10, except that the clock jumps back at the 6th append.
            let ledger = try await Ledger.open(
                store: t.backend.ledger,
                key: LedgerSigningKey(name: "t", privateKey: .init()),
                origin: "t",
                clock: {
                    let n = ticks.withLock {
                        $0 += 1
                        return $0
                    }
                    return base.addingTimeInterval(Double(n == 6 ? 2 : n) * 60)
                }
            )
            for n in 0..<10 {
                _ = try await ledger.append(LedgerDraft(actor: .system, action: .consultation, caseIDs: ["C\(n)"]))
            }
            let store = t.backend.ledger
            let times = try await store.entries(from: 0, limit: 100).map { try $0.decoded().time }
            #expect(times == times.sorted(), "monotonic")
            #expect(times[5] == times[4], "the backward step is held at the previous time")
            let from = LedgerEntry.timestamp(base.addingTimeInterval(3 * 60))
            let to = LedgerEntry.timestamp(base.addingTimeInterval(7 * 60))
            let picked = try await store.query(LedgerQuery(from: from, to: to, limit: 100)).map(\.index)
            #expect(picked == [2, 3, 4, 5, 6])
            let byCase = try await store.query(LedgerQuery(caseIDs: ["C3", "C8"], from: from, to: to, limit: 100)).map(\.index)
            #expect(byCase == [3], "a time range bounds a lookup by case too")
            #expect(try await store.query(LedgerQuery(from: from, to: to, after: 4, limit: 100)).map(\.index) == [5, 6])
            #expect(try await store.query(LedgerQuery(from: LedgerEntry.timestamp(base.addingTimeInterval(3600)), limit: 100)).isEmpty)
            #expect(try await store.query(LedgerQuery(to: LedgerEntry.timestamp(base), limit: 100)).isEmpty)
        }
    }
}
