import CaseModel
import Foundation
import GRDB
import Ledger
import Retention
import Storage
import CasegateTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("A sweep killed mid-batch")
struct CrashTests {
    @Test("kill -9 part way: every case whole or purged, and the next sweep finishes the job", .timeLimit(.minutes(5)))
    func killedSweepResumes() async throws {
        let f = try await RetentionFixture()
        var ids: [UUID] = []
        for n in 0..<1500 {
            ids.append(try await f.cases.create(retentionCase(received: "2010-01-0\(n % 9 + 1)", closed: "2011-02-01", name: "Person \(n) Example")).id)
        }
        let child = Process()
        child.executableURL = try CasegateExecutable.path()
        child.arguments = ["retention", "sweep", "--data-dir", f.directory.path,
                           "--policies-dir", CasegateExecutable.packageRoot.appendingPathComponent("policies").path, "--batch-size", "10"]
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()

        let watcher = try DatabaseQueue(path: f.database.caseFile.path)
        var purgedAtKill = 0
        for _ in 0..<3000 {
            purgedAtKill = try await watcher.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM retention_tombstones") ?? 0 }
            if purgedAtKill >= 200 || !child.isRunning { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal, "the sweep finished before it could be killed; make it slower")
        try watcher.close()

        // Every case is whole (row and key, and it opens) or purged (no row, a tombstone): none is half-purged.
        let retention = SQLiteRetentionStore(database: f.database)
        var present = 0
        for id in ids {
            if try await f.cases.get(id) != nil { present += 1 }  // opening it proves row and key are both there
        }
        let tombstones = try await retention.unfinishedTombstones()
        #expect(present > 0 && present < ids.count, "killed part way: \(present) of \(ids.count) left")
        #expect(try await f.cases.count() == present)

        // The next sweep finishes: leftover keys destroyed, missing erasure entries written, the rest purged.
        let record = try await f.sweeper(today: "2026-11-25", ledger: try await f.reopenedLedger()).run(dryRun: false, startedBy: .system)
        let summary = try #require(SweepSummary.decode(record.summary))
        #expect(summary.resumed == tombstones.count)
        #expect(try await f.cases.count() == 0)
        #expect(try await retention.unfinishedTombstones().isEmpty)
        let erasures = try await SQLiteLedgerStore(database: f.database).query(LedgerQuery(actions: [.erasure], limit: 10_000))
        let erased = erasures.flatMap { (try? $0.decoded().caseIDs) ?? [] }
        #expect(erased.count == ids.count, "one erasure entry per case")
        #expect(Set(erased) == Set(ids.map(\.uuidString)))
        #expect(try await f.verify().problem == nil)
    }
}
