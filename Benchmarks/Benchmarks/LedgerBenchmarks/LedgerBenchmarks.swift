import Benchmark
import Crypto
import Foundation
import Ledger
import SQLiteStorage
import Storage
import Synchronization

/// The ledger: durable batched appends, proofs, and full verification.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], timeUnits: .microseconds, maxDuration: .seconds(5))

    // Baseline: 1000 empty durable SQLite transactions on this disk (one fsync each), against which appends are judged.
    Benchmark("baseline: 1000 durable SQLite commits", configuration: .init(timeUnits: .milliseconds, maxIterations: 10)) { benchmark in
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-bench-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try SQLiteDatabase(directory: dir)
        let store = SQLiteLedgerStore(database: database)
        benchmark.startMeasurement()
        for n in 0..<1000 { _ = try await store.saveCheckpoint(size: n, note: "x") }
        benchmark.stopMeasurement()
    }

    // Appends from 64 concurrent callers into SQLite (WAL, synchronous=FULL): each group commit is one fsync.
    Benchmark("append 10k entries, 64 callers, SQLite", configuration: .init(timeUnits: .milliseconds, maxIterations: 10)) { benchmark in
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-bench-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try SQLiteDatabase(directory: dir)
        let key = LedgerSigningKey(name: "bench", privateKey: .init())
        let ledger = try await Ledger.open(store: SQLiteLedgerStore(database: database), key: key, origin: "bench")
        benchmark.startMeasurement()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<64 {
                group.addTask {
                    for n in 0..<(10_000 / 64 + (caller < 10_000 % 64 ? 1 : 0)) { _ = try await ledger.append(draft(n)) }
                }
            }
            try await group.waitForAll()
        }
        benchmark.stopMeasurement()
        precondition(ledger.size == 10_000)
    }

    // Appends in batches of 1000 (as a bulk pull or a sweep's erasures arrive): one transaction per batch.
    Benchmark("append 100k entries in batches of 1000, SQLite", configuration: .init(timeUnits: .milliseconds, maxIterations: 5)) { benchmark in
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-bench-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try SQLiteDatabase(directory: dir)
        let ledger = try await Ledger.open(
            store: SQLiteLedgerStore(database: database),
            key: LedgerSigningKey(name: "bench", privateKey: .init()),
            origin: "bench"
        )
        let batch = (0..<1000).map(draft)
        benchmark.startMeasurement()
        for _ in 0..<100 { _ = try await ledger.append(batch) }
        benchmark.stopMeasurement()
        precondition(ledger.size == 100_000)
    }

    Benchmark("baseline: a page of 1,000 disclosures, 102k-entry ledger, SQLite", configuration: .init(timeUnits: .milliseconds, maxIterations: 50)) {
        benchmark in
        let store = try await FeedFixture.shared.store()
        benchmark.startMeasurement()
        blackHole(try await feedPage(store, .disclosure))
        benchmark.stopMeasurement()
    }

    Benchmark("change feed: a page of 1,000 notices, 100k disclosures, SQLite", configuration: .init(timeUnits: .milliseconds, maxIterations: 50)) {
        benchmark in
        let store = try await FeedFixture.shared.store()
        benchmark.startMeasurement()
        blackHole(try await feedPage(store, .notification))
        benchmark.stopMeasurement()
    }

    // Opening a 200,000-entry SQLite ledger, the file in the page cache. Baseline: from every leaf hash, as
    // before tile roots were recorded (they are dropped first, untimed); then from the recorded roots.
    Benchmark("open 200k-entry ledger from every leaf (baseline), SQLite", configuration: .init(timeUnits: .milliseconds, maxIterations: 10)) {
        benchmark in
        let store = try await OpeningFixture.shared.store()
        try await store.dropTileRoots(height: MerkleTree.defaultTileHeight, from: 0)
        benchmark.startMeasurement()
        let ledger = try await Ledger.open(store: store, key: OpeningFixture.key, origin: "bench")
        benchmark.stopMeasurement()
        precondition(ledger.size == OpeningFixture.entries)
    }

    Benchmark("open 200k-entry ledger from recorded tile roots, SQLite", configuration: .init(timeUnits: .microseconds, maxIterations: 100)) {
        benchmark in
        let store = try await OpeningFixture.shared.store()
        _ = try await Ledger.open(store: store, key: OpeningFixture.key, origin: "bench")  // records the roots, untimed
        benchmark.startMeasurement()
        let ledger = try await Ledger.open(store: store, key: OpeningFixture.key, origin: "bench")
        benchmark.stopMeasurement()
        precondition(ledger.size == OpeningFixture.entries)
    }

    let leaves = (0..<1_000_000).map { MerkleHash.leaf(Array("entry \($0)".utf8)) }
    // Every level in memory: this measures the proof's hashing; a ledger's own tree reads one stored tile for it.
    let tree = MerkleTree(leafHashes: leaves, tileHeight: MerkleTree.keepEverything)

    Benchmark("inclusion proof, 1M-entry tree", configuration: .init(timeUnits: .nanoseconds, maxIterations: 200_000)) { benchmark in
        var index = 12_345
        for _ in benchmark.scaledIterations {
            index = (index &* 7919 &+ 1) % 1_000_000
            blackHole(try tree.inclusionProof(index: index, size: 1_000_000))
        }
    }

    Benchmark("verify 1M entries (store in memory)", configuration: .init(timeUnits: .milliseconds, maxIterations: 3)) { benchmark in
        let store = MemoryLedgerStore()
        let key = LedgerSigningKey(name: "bench", privateKey: .init())
        let ledger = try await Ledger.open(store: store, key: key, origin: "bench")
        var batch: [LedgerDraft] = []
        for n in 0..<1_000_000 {
            batch.append(draft(n))
            if batch.count == 10_000 {
                _ = try await ledger.append(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        _ = try await ledger.checkpoint()
        benchmark.startMeasurement()
        let report = try await LedgerVerifier(store: store, publicKey: key.publicKey, origin: "bench").verify(runLength: 25_000)
        benchmark.stopMeasurement()
        precondition(report.problem == nil && report.entries == 1_000_000)
    }
}

/// A partner's change feed: one page of 1,000 notices for a partner that has received 100,000 cases (one
/// disclosure entry each, 2,000 notices among them), as `GET /v1/views/changes` reads it (query and decode).
/// Baseline in the same run: a page of 1,000 of the same partner's disclosures, read the same way.
actor FeedFixture {
    static let shared = FeedFixture()
    private var made: SQLiteLedgerStore?

    func store() async throws -> SQLiteLedgerStore {
        if let made { return made }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-feed-bench")
        try? FileManager.default.removeItem(at: dir)
        let store = SQLiteLedgerStore(database: try SQLiteDatabase(directory: dir))
        let ledger = try await Ledger.open(store: store, key: LedgerSigningKey(name: "bench", privateKey: .init()), origin: "bench")
        for batch in 0..<100 {
            var drafts: [LedgerDraft] = []
            for n in 0..<1000 {
                var disclosure = draft(batch * 1000 + n)
                disclosure.caseIDs = [UUID().uuidString]
                drafts.append(disclosure)
                if n % 50 == 0 {
                    drafts.append(
                        LedgerDraft(
                            actor: .system,
                            recipient: "met-police",
                            action: .notification,
                            caseIDs: disclosure.caseIDs,
                            purpose: "asb-case-coordination",
                            details: ["kind": "updated"]
                        )
                    )
                }
            }
            _ = try await ledger.append(drafts)
        }
        made = store
        return store
    }
}

func feedPage(_ store: SQLiteLedgerStore, _ action: LedgerAction) async throws -> Int {
    let entries = try await store.query(
        LedgerQuery(recipient: "met-police", actions: [action], purpose: "asb-case-coordination", after: 10_000, limit: 1000)
    )
    var kinds = 0
    for stored in entries where try stored.decoded().details?["kind"] != nil { kinds += 1 }
    precondition(entries.count == 1000)
    return kinds
}

func draft(_ n: Int) -> LedgerDraft {
    LedgerDraft(
        actor: LedgerActor(
            kind: .partner,
            id: "met-police",
            certificateFingerprint: "cb2aa555ac6ee092d2884fcecc60e4deb0d880aa035ab5572050b7995a71bd6d"
        ),
        recipient: "met-police",
        action: .disclosure,
        caseIDs: ["FBA71B08-BA0E-46D9-8330-363074DD7B09"],
        purpose: "asb-case-coordination",
        lawfulBasis: "UK GDPR Art 6(1)(e) and Art 10; DPA 2018 s.10 and Sch 1 para 10; Crime and Disorder Act 1998 s.115.",
        policyVersion: "sha256:f7363a4bf59e260f94d407396217c501c6293265efc828b9ae96b242de326bcb",
        fields: [DisclosedField(path: "reference", rule: "share"), DisclosedField(path: "narrative", rule: "scrub")],
        responseSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        requestID: "req-\(n)"
    )
}

/// One SQLite ledger of `entries` entries, written once per process for the opening benchmarks.
actor OpeningFixture {
    static let shared = OpeningFixture()
    static let entries = 200_000
    static let key = LedgerSigningKey(name: "bench", privateKey: .init())
    private var made: SQLiteLedgerStore?

    func store() async throws -> SQLiteLedgerStore {
        if let made { return made }
        // One fixed folder, made afresh by each run, so runs leave one copy behind at most.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-ledger-open-bench")
        try? FileManager.default.removeItem(at: dir)
        let store = SQLiteLedgerStore(database: try SQLiteDatabase(directory: dir))
        let ledger = try await Ledger.open(store: store, key: Self.key, origin: "bench")
        let batch = (0..<1000).map(draft)
        for _ in 0..<(Self.entries / 1000) { _ = try await ledger.append(batch) }
        made = store
        return store
    }
}
