import Benchmark
import CaseModel
import Crypto
import DemoData
import Foundation
import Ledger
import SQLiteStorage
import Storage
import Synchronization

/// Sealing and opening a case (binary document + AES-256-GCM): on every case read and write.
/// Baseline in the same run: the JSON form cases were sealed in before, without the cipher.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .microseconds,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )
    var generator = DemoCaseGenerator(seed: 11, clock: ServiceClock(calendar: WorkingDayCalendar()))
    // A typical case: several parties and events, a narrative of about a kilobyte.
    var c = generator.makeCases(50).max { $0.events.count + $0.parties.count < $1.events.count + $1.parties.count }!
    c.narrative = String(repeating: c.narrative + " ", count: max(1, 1024 / max(1, c.narrative.utf8.count)))
    let key = SymmetricKey(size: .bits256)
    let sealed = try! CaseSealer.seal(c, with: key)
    let json = try! JSONEncoder().encode(c)

    Benchmark("baseline: JSONDecoder, whole case (no cipher)") { benchmark in
        let decoder = JSONDecoder()
        for _ in benchmark.scaledIterations { blackHole(try decoder.decode(ASBCase.self, from: json)) }
    }

    Benchmark("open (decrypt + decode)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try CaseSealer.open(sealed, id: c.id, with: key)) }
    }

    Benchmark("seal (encode + encrypt)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try CaseSealer.seal(c, with: key)) }
    }

    // The read on every disclosure: a case by id from the embedded store of 10,000 cases (row, data key, open),
    // while the ledger commits to the same database as it does under load (a batch of 16 entries every
    // millisecond or so): each commit by another connection empties the reader's page cache.
    let store = Mutex<(SQLiteCaseStore, Ledger, [UUID])?>(nil)
    func caseStore() async throws -> (SQLiteCaseStore, Ledger, [UUID]) {
        if let made = store.withLock({ $0 }) { return made }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("case-read-bench-\(UUID())")
        let database = try SQLiteDatabase(directory: dir)
        let cases = SQLiteCaseStore(database: database, clock: ServiceClock(calendar: WorkingDayCalendar()))
        var generator = DemoCaseGenerator(seed: 5, clock: ServiceClock(calendar: WorkingDayCalendar()))
        var ids: [UUID] = []
        for _ in 0..<10 { ids += try await cases.createMany(generator.makeCases(1000)).map(\.id) }
        let ledger = try await Ledger.open(
            store: SQLiteLedgerStore(database: database),
            key: LedgerSigningKey(name: "bench", privateKey: .init()),
            origin: "bench"
        )
        store.withLock { $0 = (cases, ledger, ids) }
        return (cases, ledger, ids)
    }

    /// Appends batches of disclosure entries until cancelled, as the gateway's ledger does under load.
    func ledgerCommitting(_ ledger: Ledger, _ ids: [UUID]) -> Task<Void, any Error> {
        Task {
            let batch = (0..<16).map { n in
                LedgerDraft(
                    actor: LedgerActor(kind: .partner, id: "met-police"),
                    recipient: "met-police",
                    action: .disclosure,
                    caseIDs: [ids[n].uuidString],
                    purpose: "asb-case-coordination",
                    fields: DisclosedFields((0..<40).map { DisclosedField(path: "parties[].field\($0)", rule: "pseudonymise") })
                )
            }
            while !Task.isCancelled {
                _ = try await ledger.append(batch)
                try await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    Benchmark("store read: case by id, 10k cases, ledger committing", configuration: .init(maxDuration: .seconds(5))) { benchmark in
        let (cases, ledger, ids) = try await caseStore()
        let writing = ledgerCommitting(ledger, ids)
        defer { writing.cancel() }
        var n = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            n = (n &+ 7919) % ids.count
            blackHole(try await cases.get(ids[n]))
        }
        benchmark.stopMeasurement()
    }

    // What a repeat view reads instead of the case (`ViewCache`): the store's change mark, under the same load.
    Benchmark("store read: change mark, 10k cases, ledger committing", configuration: .init(maxDuration: .seconds(5))) { benchmark in
        let (cases, ledger, ids) = try await caseStore()
        let writing = ledgerCommitting(ledger, ids)
        defer { writing.cancel() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try await cases.changeMark()) }
        benchmark.stopMeasurement()
    }
}
