import Benchmark
import CaseModel
import Foundation
import Ledger
import Retention
import SQLiteStorage
import SharingPolicy
import Storage

/// A retention sweep purging 10% of a large store. CASEGATE_BENCH_CASES sets the store's size
/// (default 1,000,000; loading it takes minutes and is not measured).
let benchmarks: @Sendable () -> Void = {
    let total = ProcessInfo.processInfo.environment["CASEGATE_BENCH_CASES"].flatMap(Int.init) ?? 1_000_000
    Benchmark(
        "sweep purging \(total / 10) of \(total) cases",
        configuration: .init(metrics: [.wallClock], timeUnits: .milliseconds, warmupIterations: 0, maxIterations: 1)
    ) { benchmark in
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("retention-bench-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try SQLiteDatabase(directory: dir)
        let clock = ServiceClock(calendar: WorkingDayCalendar())
        let store = SQLiteCaseStore(database: database, clock: clock)
        let old = Date(timeIntervalSince1970: 1_262_304_000)  // 2010: expired under every rule
        let recent = Date().addingTimeInterval(-30 * 86400)
        var batch: [ASBCase] = []
        for n in 0..<total {
            let expired = n % 10 == 0
            var c = ASBCase(
                incidentType: .harassment,
                channel: .phone,
                receivedAt: expired ? old : recent,
                ward: "Perivale",
                location: "\(n) Example Road, UB6 7AA",
                narrative: "Repeated knocking late at night, case \(n).",
                parties: [Party(role: .complainant, name: "Person \(n)")]
            )
            try c.record(CaseEvent(kind: .caseClosed, at: (expired ? old : recent).addingTimeInterval(86400), author: "u"))
            batch.append(c)
            if batch.count == 10_000 {
                _ = try await store.createMany(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        _ = try await store.createMany(batch)
        let policies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies/retention.yaml")
        let schedule = try RetentionSchedule.load(file: policies)
        let ledger = try await Ledger.open(
            store: SQLiteLedgerStore(database: database),
            key: LedgerSigningKey(name: "b", privateKey: .init()),
            origin: "b"
        )
        let sweeper = RetentionSweeper(store: SQLiteRetentionStore(database: database), ledger: ledger, schedule: schedule)

        benchmark.startMeasurement()
        let record = try await sweeper.run(dryRun: false, startedBy: .system)
        benchmark.stopMeasurement()
        precondition(SweepSummary.decode(record.summary)?.purged == total / 10)
    }
}
