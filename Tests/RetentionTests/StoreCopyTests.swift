import CaseModel
import CasegateTestSupport
import Foundation
import Ledger
import Logging
import PostgresStorage
import SQLiteStorage
import Storage
import StoreCopy
import Testing

/// An embedded store moved into PostgreSQL: everything arrives, the ledger byte for byte, an interrupted
/// copy resumes, a database holding anything else is refused, and a gateway's next entries on the target
/// are consistent with the checkpoints signed before the move.
@Suite(
    "Copying the embedded store into PostgreSQL",
    .enabled(if: BackendKind.postgresURL != nil, "needs CASEGATE_TEST_POSTGRES_URL (scripts/test.sh sets it)")
)
struct StoreCopyTests {
    @Test("cases, keys, users, holds, sweeps, tombstones and the ledger arrive; interrupted, it resumes; the ledger then grows consistently")
    func copyResumeAndGrow() async throws {
        let f = try await RetentionFixture(.sqlite)
        let source = try #require(f.sqlite)
        // Cases, some long expired (a sweep purges them: tombstones, erasure entries), users, a hold.
        let ids = try await f.cases.createMany(
            (0..<40).map { n in
                n < 10
                    ? retentionCase(received: "2010-01-0\(n % 9 + 1)", closed: "2011-02-01", name: "Expired Person \(n)")
                    : retentionCase(received: "2026-10-0\(n % 9 + 1)", name: "Current Person \(n)")
            }
        ).map(\.id)
        let (user, token) = try await f.store.backend.users.add(name: "Copy Tester", role: .admin)
        _ = try await f.retention.placeHold(caseID: ids[20].uuidString, reason: "claim 2026/7", by: user.id)
        _ = try await f.sweeper(today: "2026-11-25").run(dryRun: false, startedBy: .system)
        // Disclosures with a long field list (kept once) until a tile is complete, then a checkpoint.
        let fields = DisclosedFields((0..<8).map { DisclosedField(path: "complainant.field\($0)", rule: "share") })
        for n in 0..<300 {
            _ = try await f.ledger.append(
                LedgerDraft(
                    actor: LedgerActor(kind: .partner, id: "met-police"),
                    recipient: "met-police",
                    action: .disclosure,
                    caseIDs: [ids[10 + n % 30].uuidString],
                    purpose: "asb-case-coordination",
                    fields: fields,
                    responseSHA256: "ab"
                )
            )
        }
        let before = try await f.ledger.checkpoint()

        let url = try await TestBackend.createDatabase()
        let target = try await PostgresDatabase.open(url: try PostgresURL(url), masterKey: source.masterKeys.current)
        var copy = StoreCopy(source: source, target: target)
        copy.batchRows = 50
        await #expect(throws: StoreCopyError.stopped) { _ = try await copy.run(stopAfterBatches: 3) }
        let report = try await copy.run()
        #expect(report.resumed)
        #expect(report.ledgerSize == f.ledger.size)
        let verification = try await copy.verify(key: f.key, keys: LedgerKeyHistory(f.key.publicKey), origin: RetentionFixture.origin)
        #expect(verification.problem == nil)
        #expect(verification.entries == f.ledger.size && verification.checkpoints >= 1)

        // What the target holds, read through its own stores.
        let moved = PostgresBackend(database: target)
        let cases = moved.cases(clock: clock)
        #expect(try await cases.count() == f.cases.count())
        for id in ids {
            let mine = try await f.cases.get(id)
            #expect(try await cases.get(id) == mine, "case \(id) differs")
        }
        #expect(try await moved.users.authenticate(token: token)?.id == user.id)
        // The same secrets: a new handle on the target has the source's pseudonym root, and subject searches find the same cases.
        let reopened = try await PostgresDatabase.open(url: try PostgresURL(url), masterKey: source.masterKeys.current)
        #expect(reopened.secrets.pseudonymRoot.withUnsafeBytes { Array($0) } == source.secrets.pseudonymRoot.withUnsafeBytes { Array($0) })
        #expect(reopened.secrets.partyIndex.withUnsafeBytes { Array($0) } == source.secrets.partyIndex.withUnsafeBytes { Array($0) })
        let current = try #require(try await f.cases.get(ids[25]))
        let party = current.parties[0]
        let search = PostgresBackend(database: reopened).cases(clock: clock)
        #expect(try await search.caseIDs(partyName: party.name, dateOfBirth: party.dateOfBirth) == [ids[25]])
        await reopened.close()
        #expect(try await moved.retention.holds().map(\.caseID) == [ids[20].uuidString])
        let sweeps = try await moved.retention.sweeps()
        #expect(sweeps.count == 1)
        let tombstones = try await moved.retention.tombstones(sweepID: try #require(sweeps.first).id)
        #expect(tombstones.count == 10, "the purge's tombstones arrive")
        #expect(
            try await moved.ledger.tileRoots(height: MerkleTree.defaultTileHeight) == f.ledgerStore.tileRoots(height: MerkleTree.defaultTileHeight)
        )

        // A gateway on the target goes on: new entries, a checkpoint consistent with the one signed before the move.
        let ledger = try await Ledger.open(store: moved.ledger, key: f.key, origin: RetentionFixture.origin)
        _ = try await ledger.append(LedgerDraft(actor: .system, action: .consultation, caseIDs: [ids[11].uuidString]))
        let after = try await ledger.checkpoint()
        let old = try Checkpoint.verify(note: before.note, publicKey: f.key.publicKey)
        let new = try Checkpoint.verify(note: after.note, publicKey: f.key.publicKey)
        let proof = try await ledger.consistencyProof(from: old.size, to: new.size)
        #expect(MerkleProof.verifyConsistency(size1: old.size, size2: new.size, root1: old.root, root2: new.root, proof: proof))

        // A copy into a database that holds something else is refused, naming what is there.
        let other = try await TestBackend.createDatabase()
        let occupied = try await PostgresDatabase.open(url: try PostgresURL(other), masterKey: source.masterKeys.current)
        _ = try await PostgresBackend(database: occupied).cases(clock: clock).create(retentionCase(received: "2026-11-01"))
        await #expect(throws: StoreCopyError.targetNotEmpty(detail: "cases has 1 rows")) {
            _ = try await StoreCopy(source: source, target: occupied).run()
        }
        await occupied.close()

        // A target of another schema version is refused before anything is written.
        let skewed = try await TestBackend.createDatabase()
        let newer = try await PostgresDatabase.open(url: try PostgresURL(skewed), masterKey: source.masterKeys.current)
        try await TestBackend.withAdminConnection(database: try PostgresURL(skewed).database) { connection in
            _ = try await connection.query("ALTER TABLE legal_holds ADD COLUMN released_by TEXT", logger: .init(label: "test")).collect()
        }
        do {
            _ = try await StoreCopy(source: source, target: newer).run()
            Issue.record("a target of another schema was accepted")
        } catch let StoreCopyError.schemaMismatch(table, _) {
            #expect(table == "legal_holds")
        }
        await newer.close()
        await TestBackend.dropDatabase(skewed)

        await target.close()
        await TestBackend.dropDatabase(other)
        await TestBackend.dropDatabase(url)
        await f.remove()
    }
}
