import CaseModel
import CasegateTestSupport
import Crypto
import Foundation
import GRDB
import Ledger
import SQLiteStorage
import Storage
import Testing

@testable import Retention

#if canImport(Glibc)
import Glibc
#endif

@Suite("Retention sweeps")
struct SweepTests {
    /// Two expired closed cases (one held), one closed recently, one open and idle, with distinctive personal data.
    func populated(_ kind: BackendKind = .sqlite) async throws -> (RetentionFixture, expired: ASBCase, held: ASBCase, recent: ASBCase, idle: ASBCase)
    {
        let f = try await RetentionFixture(kind)
        let expired = try await f.cases.create(
            retentionCase(
                received: "2017-03-01",
                closed: "2018-01-15",
                name: "Perpetua Quarrington",
                narrative: "Zephyrine Vasquez-Holloway keeps banging the door."
            )
        )
        let held = try await f.cases.create(retentionCase(received: "2017-04-01", closed: "2018-02-01", name: "Held Person"))
        let recent = try await f.cases.create(retentionCase(received: "2025-01-01", closed: "2025-06-01", name: "Recent Person"))
        let idle = try await f.cases.create(retentionCase(received: "2022-01-01", name: "Idle Person"))
        _ = try await f.retention.placeHold(caseID: held.id.uuidString, reason: "Claim 2026/44", by: "u-admin")
        return (f, expired, held, recent, idle)
    }

    @Test("batches grow towards the time the write lock may be held, and shrink when it is overrun")
    func batchSizing() {
        let target = Duration.milliseconds(25)
        #expect(RetentionSweeper.nextBatchSize(100, took: .milliseconds(5), target: target, largest: 5000) == 200, "at most doubling")
        #expect(RetentionSweeper.nextBatchSize(100, took: .milliseconds(20), target: target, largest: 5000) == 125)
        #expect(RetentionSweeper.nextBatchSize(100, took: .milliseconds(400), target: target, largest: 5000) == 50, "at most halving")
        #expect(RetentionSweeper.nextBatchSize(15, took: .seconds(1), target: target, largest: 5000) == 10, "never below 10")
        #expect(RetentionSweeper.nextBatchSize(4000, took: .milliseconds(1), target: target, largest: 5000) == 5000, "never above the largest")
        #expect(RetentionSweeper.nextBatchSize(100, took: .zero, target: target, largest: 5000) == 200)
    }

    @Test("a dry run counts, lists and changes nothing", arguments: BackendKind.available)
    func dryRun(kind: BackendKind) async throws {
        let (f, expired, held, _, idle) = try await populated(kind)
        let ledgerSize = f.ledger.size
        let record = try await f.sweeper(today: "2026-11-25").run(dryRun: true, startedBy: .system)
        let summary = try #require(SweepSummary.decode(record.summary))
        #expect(summary.examined == 4 && summary.purged == 1 && summary.held == 1 && summary.dueForReview == 1)
        #expect(summary.purgedCaseIDs == [expired.id.uuidString] && summary.heldCaseIDs == [held.id.uuidString])
        #expect(summary.reviewCaseIDs == [idle.id.uuidString])
        #expect(summary.byRule == ["closed-cases": 1] && summary.byCategory == ["B": 1])
        #expect(try await f.cases.count() == 4)
        #expect(try await f.cases.get(expired.id) != nil)
        #expect(f.ledger.size == ledgerSize)
        #expect(try await f.retention.tombstones(sweepID: record.id).isEmpty)
        #expect(try await f.retention.unfinishedTombstones().isEmpty)
        #expect(try await f.retention.sweep(id: record.id)?.state == "completed")
        await f.remove()
    }

    @Test(
        "a sweep purges expired, unheld cases: gone from the store (and SQLite's WAL and every earlier backup)",
        arguments: BackendKind.available
    )
    func purgeShreds(kind: BackendKind) async throws {
        let (f, expired, held, recent, idle) = try await populated(kind)
        let retention = f.retention
        var backup: URL?
        if let sqlite = f.sqlite {
            let file = try await SQLiteRetentionStore(database: sqlite).backup(to: f.directory.appendingPathComponent("backup-before"))
            // Control: before the purge, the backup's sealed row opens with the live key store.
            #expect(try sealedRow(in: file, id: expired.id) != nil)
            #expect(try canDecrypt(backup: file, id: expired.id, keysFrom: f) == true)
            #expect(!(try Data(contentsOf: file)).contains(Data("Perpetua".utf8)))
            backup = file
        }

        let record = try await f.sweeper(today: "2026-11-25").run(dryRun: false, startedBy: LedgerActor(kind: .staff, id: "u-admin", role: "admin"))
        #expect(record.state == "completed")
        #expect(try await f.cases.get(expired.id) == nil)
        for kept in [held, recent, idle] { #expect(try await f.cases.get(kept.id) != nil) }
        #expect(try await f.cases.caseIDs(partyName: "Perpetua Quarrington", dateOfBirth: nil).isEmpty, "party index rows go too")

        if let backup, let sqlite = f.sqlite {
            // The backup still holds the sealed row, but its key is gone: it can never be read again.
            #expect(try sealedRow(in: backup, id: expired.id) != nil)
            #expect(try canDecrypt(backup: backup, id: expired.id, keysFrom: f) == false)
            #expect(try sealedRow(in: sqlite.caseFile, id: expired.id) == nil)
        }
        // The live store (for SQLite, database and WAL after the sweep's checkpoint) holds no plaintext.
        let live = try await f.rawBytes()
        for secret in ["Perpetua", "Zephyrine", "07700 900321", "Quillfeather"] {
            #expect(!live.contains(Data(secret.utf8)), "\(secret) in the live store")
        }
        #expect(live.contains(Data(held.id.uuidString.utf8)) && !live.contains(Data("\(expired.id.uuidString)\u{1f}".utf8)))

        // The ledger records each erasure with metadata only, and still verifies.
        let entries = try await f.ledgerStore.query(LedgerQuery(actions: [.erasure], limit: 10))
        #expect(entries.count == 1)
        let erasure = try entries[0].decoded()
        #expect(erasure.caseIDs == [expired.id.uuidString] && erasure.details?["rule"] == "closed-cases")
        #expect(erasure.details?["schedule_version"] == shippedSchedule.version && erasure.details?["sweep_id"] == record.id)
        #expect(try await f.verify().problem == nil)
        let tombstones = try await retention.tombstones(sweepID: record.id)
        #expect(tombstones.count == 1 && tombstones[0].keyDestroyed && tombstones[0].ledgerIndex == erasure.index)
        await f.remove()
    }

    @Test("a lifted hold lets the next sweep purge; only one sweep runs at a time across processes", arguments: BackendKind.available)
    func holdsAndLock(kind: BackendKind) async throws {
        let (f, _, held, _, _) = try await populated(kind)
        #expect(try await f.retention.holds().map(\.caseID) == [held.id.uuidString])
        #expect(try await f.retention.placeHold(caseID: held.id.uuidString, reason: "again", by: "u-admin") == false)
        await #expect(throws: StorageError.notFound(caseID: "missing")) {
            _ = try await f.retention.placeHold(caseID: "missing", reason: "x", by: "u-admin")
        }
        // Lifted with its ledger entry, in one transaction; lifting again changes nothing and records nothing.
        let lifted = LedgerDraft(actor: .system, action: .legalHoldLifted, caseIDs: [held.id.uuidString])
        #expect(try await f.retention.liftHold(caseID: held.id.uuidString, recordedBy: lifted, in: f.ledger))
        let entries = f.ledger.size
        #expect(try await f.retention.liftHold(caseID: held.id.uuidString, recordedBy: lifted, in: f.ledger) == false)
        #expect(f.ledger.size == entries)
        let placed = LedgerDraft(actor: .system, action: .legalHoldPlaced, caseIDs: ["missing"])
        await #expect(throws: StorageError.notFound(caseID: "missing")) {
            _ = try await f.retention.placeHold(caseID: "missing", reason: "x", by: "u-admin", recordedBy: placed, in: f.ledger)
        }
        #expect(f.ledger.size == entries, "no entry for a hold that was not placed")
        #expect(try await f.ledgerStore.query(LedgerQuery(caseIDs: [held.id.uuidString], actions: [.legalHoldLifted], limit: 10)).count == 1)
        let sweeper = f.sweeper(today: "2026-11-25")
        // Another process (another instance) holds the sweep lease: this sweep may not start.
        let other = try await f.store.reopen()
        let lease = try #require(try await other.retention.acquireSweepLease())
        #expect(try await f.retention.acquireSweepLease() == nil)
        await #expect(throws: SweepError.alreadyRunning) { try await sweeper.run(dryRun: false, startedBy: .system) }
        #expect(try await f.cases.get(held.id) != nil)
        await lease.release()
        await other.close()
        _ = try await sweeper.run(dryRun: false, startedBy: .system)
        #expect(try await f.cases.get(held.id) == nil)
        #expect(try await f.verify().problem == nil)
        await f.remove()
    }

    @Test("the database pre-filter keeps boundary cases: expired the day after the last day kept, not before", arguments: BackendKind.available)
    func boundaryThroughTheSweep(kind: BackendKind) async throws {
        let f = try await RetentionFixture(kind)
        let c = try await f.cases.create(retentionCase(received: "2020-01-10", closed: "2020-06-30T12:00:00Z"))
        let before = try await f.sweeper(today: "2026-06-30").run(dryRun: true, startedBy: .system)
        #expect(SweepSummary.decode(before.summary)?.purged == 0)
        let after = try await f.sweeper(today: "2026-07-01").run(dryRun: true, startedBy: .system)
        #expect(SweepSummary.decode(after.summary)?.purgedCaseIDs == [c.id.uuidString])
        #expect(SweepSummary.decode(after.summary)?.examined == 1)
        await f.remove()
    }

    @Test("a sweep killed after its erasure entries but before noting them does not write them twice", arguments: BackendKind.available)
    func resumeAfterLedgerAppend(kind: BackendKind) async throws {
        let (f, expired, _, _, _) = try await populated(kind)
        let retention = f.retention
        // What a sweep killed at that moment leaves: the case purged and its entry written, the tombstone not updated.
        let purged = try await retention.purge([(expired.id.uuidString, "closed-cases", "B")], sweepID: "sw-killed")
        #expect(purged == [expired.id.uuidString])
        _ = try await f.ledger.append(
            LedgerDraft(
                actor: .system,
                action: .erasure,
                caseIDs: [expired.id.uuidString],
                requestID: "sw-killed",
                details: ["rule": "closed-cases", "sweep_id": "sw-killed"]
            )
        )
        #expect(try await retention.unfinishedTombstones().count == 1)

        let record = try await f.sweeper(today: "2026-11-25").run(dryRun: false, startedBy: .system)
        #expect(SweepSummary.decode(record.summary)?.resumed == 1)
        #expect(try await retention.unfinishedTombstones().isEmpty)
        let erasures = try await f.ledgerStore.query(LedgerQuery(caseIDs: [expired.id.uuidString], actions: [.erasure], limit: 10))
        #expect(erasures.count == 1)
        await f.remove()
    }

    func sealedRow(in file: URL, id: UUID) throws -> Data? {
        let queue = try DatabaseQueue(path: file.path)
        defer { try? queue.close() }
        return try queue.read { db in try Data.fetchOne(db, sql: "SELECT sealed FROM cases WHERE id = ?", arguments: [id.uuidString]) }
    }

    /// Tries to open a backed-up case with whatever keys the live key store still has.
    func canDecrypt(backup: URL, id: UUID, keysFrom f: RetentionFixture) throws -> Bool {
        guard let sealed = try sealedRow(in: backup, id: id) else { return false }
        let keys = try DatabaseQueue(path: f.directory.appendingPathComponent(SQLiteDatabase.keyFileName).path)
        defer { try? keys.close() }
        guard
            let wrapped = try keys.read({ db in
                try Data.fetchOne(db, sql: "SELECT wrapped_key FROM data_keys WHERE case_id = ?", arguments: [id.uuidString])
            })
        else {
            return false
        }
        let key = try f.store.backend.masterKey.unwrap(wrapped)
        let box = try AES.GCM.SealedBox(combined: sealed)
        return (try? AES.GCM.open(box, using: key, authenticating: Data(id.uuidString.utf8))) != nil
    }
}

extension Data {
    func contains(_ needle: Data) -> Bool { range(of: needle) != nil }

}
