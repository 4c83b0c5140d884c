import CaseModel
import CasegateTestSupport
import Foundation
import GRDB
import Ledger
import Retention
import Storage
import Testing

@Suite("A sweep killed mid-batch")
struct CrashTests {
    @Test(
        "kill -9 part way: every case whole or purged, and the next sweep finishes the job",
        .timeLimit(.minutes(5)),
        arguments: BackendKind.available
    )
    func killedSweepResumes(kind: BackendKind) async throws {
        let f = try await RetentionFixture(kind)
        let ids = try await f.cases.createMany(
            (0..<1500).map { n in
                retentionCase(received: "2010-01-0\(n % 9 + 1)", closed: "2011-02-01", name: "Person \(n) Example")
            }
        ).map(\.id)
        let child = ChildProcess()
        child.executableURL = try CasegateExecutable.path()
        child.arguments =
            ["retention", "sweep"] + f.storageArguments + [
                "--policies-dir", CasegateExecutable.packageRoot.appendingPathComponent("policies").path, "--batch-size", "10",
            ]
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()

        // Killed once 200 cases are purged, read while the child is stopped between slices.
        await child.runInSlices { try await ids.count - f.cases.count() >= 200 }
        child.kill()
        #expect(child.terminationReason == .uncaughtSignal, "the sweep finished before it could be killed; make it slower")

        // Every case is whole (row and key, and it opens) or purged (no row, a tombstone): none is half-purged.
        let retention = f.retention
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
        let erasures = try await f.ledgerStore.query(LedgerQuery(actions: [.erasure], limit: 10_000))
        let erased = erasures.flatMap { (try? $0.decoded().caseIDs) ?? [] }
        #expect(erased.count == ids.count, "one erasure entry per case")
        #expect(Set(erased) == Set(ids.map(\.uuidString)))
        #expect(try await f.verify().problem == nil)
        await f.remove()
    }
}
