import CasegateTestSupport
import Foundation
import Gateway
import Ledger
import Storage
import Testing

/// `casegate ledger rotate-key`: a key-rotation entry before the new key signs, every later checkpoint
/// signed by the new key, verification with the key in force at each size, receipts from before still
/// provable, and a rotation cut short finished when the store is next opened.
@Suite("Ledger key rotation (each backend)")
struct LedgerKeyRotationTests {
    static let origin = "test.local/ledger"

    @Test(
        "rotate: the entry, the switch, checkpoints by the new key, old receipts still verify; a half-done rotation is finished on open",
        arguments: BackendKind.available
    )
    func rotate(kind: BackendKind) async throws {
        let t = try await TestBackend.make(kind)
        let data = t.directory.path
        let old = try await LedgerKeySetup.open(dataDirectory: data, origin: Self.origin, storage: t.backend)
        let before = try await Ledger.open(store: t.backend.ledger, key: old, origin: Self.origin)
        let receipt = try await before.append(
            LedgerDraft(actor: LedgerActor(kind: .partner, id: "met-police"), recipient: "met-police", action: .disclosure)
        )
        _ = try await before.checkpoint()

        let rotated = try await LedgerKeyRotation.rotate(dataDirectory: data, origin: Self.origin, storage: t.backend, actor: .system)
        #expect(rotated.old == old.publicKey && rotated.new != old.publicKey)
        let entry = try #require(try await t.backend.ledger.entries(from: rotated.entry, limit: 1).first).decoded()
        #expect(entry.action == .keyRotation)
        #expect(entry.details?["old_key"] == old.publicKey.verifierKey && entry.details?["new_key"] == rotated.new.verifierKey)
        let signedByOld = try #require(try await t.backend.ledger.latestCheckpoint())
        #expect(signedByOld.size == rotated.entry + 1)
        #expect((try? Checkpoint.verify(note: signedByOld.note, publicKey: old.publicKey)) != nil, "the old key signs the rotation's own checkpoint")

        // The store and the key file now name the new key.
        let new = try await LedgerKeySetup.open(dataDirectory: data, origin: Self.origin, storage: t.backend)
        #expect(new.publicKey == rotated.new)
        let keys = try await LedgerKeySetup.history(storage: t.backend, current: new)
        #expect(keys.keys.map(\.publicKey) == [old.publicKey, new.publicKey] && keys.keys[1].fromSize == rotated.fromSize)
        let after = try await Ledger.open(store: t.backend.ledger, key: new, origin: Self.origin)
        _ = try await after.append(LedgerDraft(actor: .system, action: .consultation))
        let latest = try await after.checkpoint()
        #expect((try? Checkpoint.verify(note: latest.note, publicKey: new.publicKey)) != nil)
        #expect((try? Checkpoint.verify(note: latest.note, publicKey: old.publicKey)) == nil)
        #expect(try await LedgerVerifier(store: t.backend.ledger, keys: keys, origin: Self.origin).verify().problem == nil)

        // A receipt from before the rotation, proved offline against the new checkpoint with the key list.
        let proof = try await after.inclusionProof(index: receipt.index, size: latest.size)
        let document = try JSONSerialization.data(
            withJSONObject: ["index": receipt.index, "size": latest.size, "proof": proof.map { Data($0).base64EncodedString() }]
        )
        let verified = try ReceiptVerification.verify(checkpoint: latest.note, proof: document, entry: receipt.entryBytes, verifierKey: keys.text)
        #expect(verified.index == receipt.index)

        // Cut short after the switch, before the key file moved: the next open finishes the move.
        let file = GatewayEnvironment.ledgerKeyFile(data)
        try FileManager.default.moveItem(at: file, to: LedgerKeySetup.nextKeyFile(data))
        try writeKeyFile(old.privateKey.rawRepresentation, to: file)
        #expect(try await LedgerKeySetup.open(dataDirectory: data, origin: Self.origin, storage: t.backend).publicKey == new.publicKey)
        #expect(!FileManager.default.fileExists(atPath: LedgerKeySetup.nextKeyFile(data).path))
        await t.remove()
    }
}
