import CaseModel
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import Ledger
@testable import Retention
import Storage
import Testing

@Suite("Retention sweeps")
struct SweepTests {
    /// Two expired closed cases (one held), one closed recently, one open and idle, with distinctive personal data.
    func populated() async throws -> (RetentionFixture, expired: ASBCase, held: ASBCase, recent: ASBCase, idle: ASBCase) {
        let f = try await RetentionFixture()
        let expired = try await f.cases.create(retentionCase(received: "2017-03-01", closed: "2018-01-15", name: "Perpetua Quarrington",
                                                             narrative: "Zephyrine Vasquez-Holloway keeps banging the door."))
        let held = try await f.cases.create(retentionCase(received: "2017-04-01", closed: "2018-02-01", name: "Held Person"))
        let recent = try await f.cases.create(retentionCase(received: "2025-01-01", closed: "2025-06-01", name: "Recent Person"))
        let idle = try await f.cases.create(retentionCase(received: "2022-01-01", name: "Idle Person"))
        _ = try await SQLiteRetentionStore(database: f.database).placeHold(caseID: held.id.uuidString, reason: "Claim 2026/44", by: "u-admin")
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

    @Test("a dry run counts, lists and changes nothing")
    func dryRun() async throws {
        let (f, expired, held, _, idle) = try await populated()
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
        let retention = SQLiteRetentionStore(database: f.database)
        #expect(try await retention.tombstones(sweepID: record.id).isEmpty)
        #expect(try await retention.unfinishedTombstones().isEmpty)
    }

    @Test("a sweep purges expired, unheld cases: gone from the database, the WAL and every earlier backup")
    func purgeShreds() async throws {
        let (f, expired, held, recent, idle) = try await populated()
        let retention = SQLiteRetentionStore(database: f.database)
        let backup = try await retention.backup(to: f.directory.appendingPathComponent("backup-before"))
        let backupData = try Data(contentsOf: backup)
        // Control: before the purge, the backup's sealed row opens with the live key store.
        #expect(try sealedRow(in: backup, id: expired.id) != nil)
        #expect(try canDecrypt(backup: backup, id: expired.id, keysFrom: f) == true)
        #expect(!backupData.contains(Data("Perpetua".utf8)))

        let record = try await f.sweeper(today: "2026-11-25").run(dryRun: false, startedBy: LedgerActor(kind: .staff, id: "u-admin", role: "admin"))
        #expect(record.state == "completed")
        #expect(try await f.cases.get(expired.id) == nil)
        for kept in [held, recent, idle] { #expect(try await f.cases.get(kept.id) != nil) }
        #expect(try await f.cases.caseIDs(partyName: "Perpetua Quarrington", dateOfBirth: nil).isEmpty, "party index rows go too")

        // The backup still holds the sealed row, but its key is gone: it can never be read again.
        #expect(try sealedRow(in: backup, id: expired.id) != nil)
        #expect(try canDecrypt(backup: backup, id: expired.id, keysFrom: f) == false)
        // Live files (database and WAL, after the sweep's checkpoint) hold neither the row nor any plaintext.
        let live = try f.rawBytes()
        for secret in ["Perpetua", "Zephyrine", "07700 900321", "Quillfeather"] {
            #expect(!live.contains(Data(secret.utf8)), "\(secret) in the live files")
        }
        #expect(try sealedRow(in: f.database.caseFile, id: expired.id) == nil)

        // The ledger records each erasure with metadata only, and still verifies.
        let entries = try await SQLiteLedgerStore(database: f.database).query(LedgerQuery(actions: [.erasure], limit: 10))
        #expect(entries.count == 1)
        let erasure = try entries[0].decoded()
        #expect(erasure.caseIDs == [expired.id.uuidString] && erasure.details?["rule"] == "closed-cases")
        #expect(erasure.details?["schedule_version"] == shippedSchedule.version && erasure.details?["sweep_id"] == record.id)
        #expect(try await f.verify().problem == nil)
        let tombstones = try await retention.tombstones(sweepID: record.id)
        #expect(tombstones.count == 1 && tombstones[0].keyDestroyed && tombstones[0].ledgerIndex == erasure.index)
    }

    @Test("a lifted hold lets the next sweep purge; only one sweep runs at a time")
    func holdsAndLock() async throws {
        let (f, _, held, _, _) = try await populated()
        let retention = SQLiteRetentionStore(database: f.database)
        #expect(try await retention.liftHold(caseID: held.id.uuidString))
        let sweeper = f.sweeper(today: "2026-11-25")
        // Another holder of the sweep lock (as another process would be) blocks this sweep.
        let fd = open(f.directory.appendingPathComponent("retention.lock").path, O_CREAT | O_RDWR, 0o600)
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        await #expect(throws: SweepError.alreadyRunning) { try await sweeper.run(dryRun: false, startedBy: .system) }
        #expect(try await f.cases.get(held.id) != nil)
        flock(fd, LOCK_UN)
        close(fd)
        _ = try await sweeper.run(dryRun: false, startedBy: .system)
        #expect(try await f.cases.get(held.id) == nil)
        #expect(try await f.verify().problem == nil)
    }

    @Test("the database pre-filter keeps boundary cases: expired the day after the last day kept, not before")
    func boundaryThroughTheSweep() async throws {
        let f = try await RetentionFixture()
        let c = try await f.cases.create(retentionCase(received: "2020-01-10", closed: "2020-06-30T12:00:00Z"))
        let before = try await f.sweeper(today: "2026-06-30").run(dryRun: true, startedBy: .system)
        #expect(SweepSummary.decode(before.summary)?.purged == 0)
        let after = try await f.sweeper(today: "2026-07-01").run(dryRun: true, startedBy: .system)
        #expect(SweepSummary.decode(after.summary)?.purgedCaseIDs == [c.id.uuidString])
        #expect(SweepSummary.decode(after.summary)?.examined == 1)
    }

    @Test("a sweep killed after its erasure entries but before noting them does not write them twice")
    func resumeAfterLedgerAppend() async throws {
        let (f, expired, _, _, _) = try await populated()
        let retention = SQLiteRetentionStore(database: f.database)
        // What a sweep killed at that moment leaves: the case purged and its entry written, the tombstone not updated.
        let purged = try await retention.purge([(expired.id.uuidString, "closed-cases", "B")], sweepID: "sw-killed")
        #expect(purged == [expired.id.uuidString])
        _ = try await f.ledger.append(LedgerDraft(actor: .system, action: .erasure, caseIDs: [expired.id.uuidString], requestID: "sw-killed",
                                                  details: ["rule": "closed-cases", "sweep_id": "sw-killed"]))
        #expect(try await retention.unfinishedTombstones().count == 1)

        let record = try await f.sweeper(today: "2026-11-25").run(dryRun: false, startedBy: .system)
        #expect(SweepSummary.decode(record.summary)?.resumed == 1)
        #expect(try await retention.unfinishedTombstones().isEmpty)
        let erasures = try await SQLiteLedgerStore(database: f.database).query(LedgerQuery(caseIDs: [expired.id.uuidString], actions: [.erasure], limit: 10))
        #expect(erasures.count == 1)
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
        guard let wrapped = try keys.read({ db in try Data.fetchOne(db, sql: "SELECT wrapped_key FROM data_keys WHERE case_id = ?", arguments: [id.uuidString]) }) else {
            return false
        }
        let key = try AES.KeyWrap.unwrap(wrapped, using: f.database.masterKey.key)
        let box = try AES.GCM.SealedBox(combined: sealed)
        return (try? AES.GCM.open(box, using: key, authenticating: Data(id.uuidString.utf8))) != nil
    }
}

extension Data {
    func contains(_ needle: Data) -> Bool { range(of: needle) != nil }

}
