import CasegateTestSupport
import Foundation
import Gateway
import Ledger
import SQLiteStorage
import Storage
import Testing

/// The disaster-recovery drill: back up, disclose more, lose the database, restore. A restore that would
/// lose entries already given out in checkpoints is refused; acknowledged, it records the lost range in
/// its first entry, the ledger verifies, and receipts from before the backup still prove against new
/// checkpoints. A backup of another store is refused.
@Suite("Restore without rewriting history")
struct RestoreDrillTests {
    static let origin = "test.local/ledger"

    func disclose(_ ledger: Ledger, _ n: Int) async throws -> [LedgerReceipt] {
        var receipts: [LedgerReceipt] = []
        for i in 0..<n {
            receipts.append(
                try await ledger.append(
                    LedgerDraft(
                        actor: LedgerActor(kind: .partner, id: "met-police"),
                        recipient: "met-police",
                        action: .disclosure,
                        requestID: "r\(i)"
                    )
                )
            )
        }
        return receipts
    }

    @Test("backup; more disclosures; wipe; restore refused naming the lost range; acknowledged, recorded, verified, old receipts still prove")
    func drill() async throws {
        let t = try await TestBackend.make(.sqlite)
        let data = t.directory.path
        let log = CheckpointLog.inDataDirectory(data)
        let key = try await LedgerKeySetup.open(dataDirectory: data, origin: Self.origin, storage: t.backend)
        let ledger = try await Ledger.open(store: t.backend.ledger, key: key, origin: Self.origin, checkpointLog: log)
        let early = try await disclose(ledger, 5)
        _ = try await ledger.checkpoint()
        let database = try #require((t.backend as? SQLiteBackend)?.database)
        let backupDirectory = t.directory.appendingPathComponent("backup")
        _ = try await SQLiteRetentionStore(database: database).backup(to: backupDirectory)
        _ = try await disclose(ledger, 3)
        let given = try await ledger.checkpoint()
        #expect(try log.latest()?.size == given.size)
        await t.backend.close()

        // The disk is lost: the case database goes; keys, key file and checkpoint log are kept apart.
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: t.directory.appendingPathComponent(SQLiteDatabase.caseFileName).path + suffix)
        }
        await #expect(throws: StoreRestoreError.wouldLoseEntries(5..<given.size)) {
            _ = try await StoreRestore.restore(
                from: backupDirectory.path,
                dataDirectory: data,
                origin: Self.origin,
                acknowledgeLostEntries: false,
                actor: .system
            )
        }
        let restored = try await StoreRestore.restore(
            from: backupDirectory.path,
            dataDirectory: data,
            origin: Self.origin,
            acknowledgeLostEntries: true,
            actor: .system
        )
        #expect(restored.lost == 5..<given.size && restored.restoreEntry == 5)

        let store = try await t.reopen()
        let entry = try #require(try await store.ledger.entries(from: 5, limit: 1).first).decoded()
        #expect(entry.action == .restore && entry.details?["lost_from"] == "5" && entry.details?["lost_to"] == String(given.size))
        let reopened = try await Ledger.open(store: store.ledger, key: key, origin: Self.origin, checkpointLog: log)
        #expect(try await LedgerVerifier(store: store.ledger, publicKey: key.publicKey, origin: Self.origin).verify().problem == nil)
        _ = try await disclose(reopened, 2)
        let latest = try await reopened.checkpoint()
        let checkpoint = try Checkpoint.verify(note: latest.note, publicKey: key.publicKey)
        for receipt in early {
            let proof = try await reopened.inclusionProof(index: receipt.index, size: latest.size)
            #expect(
                MerkleProof.verifyInclusion(leafHash: receipt.entryHash, index: receipt.index, size: latest.size, proof: proof, root: checkpoint.root)
            )
        }
        #expect(try log.latest()?.size == latest.size, "the log follows the restored ledger")
        await store.close()

        // The gateway starts on the restored store.
        let environment = try await GatewayEnvironment.open(
            GatewayConfiguration(dataDirectory: data, policiesDirectory: GatewayFixture.repositoryPolicies.path, ledgerOrigin: Self.origin)
        )
        #expect(environment.ledger.size == latest.size + 1, "serving, with its policy-load entry after the restored ledger")
        await environment.storage.close()

        // A backup of another store is refused.
        let other = try await TestBackend.make(.sqlite)
        let otherBackup = other.directory.appendingPathComponent("backup")
        _ = try await SQLiteRetentionStore(database: try #require((other.backend as? SQLiteBackend)?.database)).backup(to: otherBackup)
        do {
            _ = try await StoreRestore.restore(
                from: otherBackup.path,
                dataDirectory: data,
                origin: Self.origin,
                acknowledgeLostEntries: true,
                actor: .system
            )
            Issue.record("another store's backup was restored")
        } catch let error as StoreRestoreError {
            #expect(error == .otherStore("it was made under another master key"))
        }
        await other.remove()
        await t.remove()
    }
}
