import Foundation
import Ledger
import Storage

/// Replaces the ledger signing key. Run with every gateway on the store stopped; they load the new key
/// when they start.
///
/// In order, so that a crash at any point leaves a store that opens with the keys it needs: (1) the new key
/// is written to `ledger.key.next`; (2) a `key-rotation` entry naming both keys is appended and a
/// checkpoint covering it is signed with the old key (the last it signs); (3) the store switches, in one
/// transaction, to the new key and a key history in which it signs every later size; (4) the new key
/// replaces `ledger.key`. A rerun after a crash before (3) reuses the written key; one after (3) finds the
/// rotation done, and opening the store finishes step (4).
public enum LedgerKeyRotation {
    public struct Rotated: Sendable {
        public var old: LedgerPublicKey
        public var new: LedgerPublicKey
        /// The first tree size the new key signs.
        public var fromSize: Int
        /// The `key-rotation` entry's index.
        public var entry: Int
        public var history: LedgerKeyHistory
    }

    public static func rotate(dataDirectory: String, origin: String, storage: any StorageBackend, actor: LedgerActor) async throws -> Rotated {
        let old = try await LedgerKeySetup.open(dataDirectory: dataDirectory, origin: origin, storage: storage)
        var history = try await LedgerKeySetup.history(storage: storage, current: old)
        let nextFile = LedgerKeySetup.nextKeyFile(dataDirectory)
        let new =
            FileManager.default.fileExists(atPath: nextFile.path)
            ? try LedgerKeySetup.load(nextFile, origin: origin) : try LedgerSigningKey.loadOrCreate(at: nextFile, name: origin)

        let ledger = try await Ledger.open(
            store: storage.ledger,
            key: old,
            origin: origin,
            checkpointLog: CheckpointLog.inDataDirectory(dataDirectory)
        )
        let receipt = try await ledger.append(
            LedgerDraft(
                actor: actor,
                action: .keyRotation,
                details: [
                    "old_key": old.publicKey.verifierKey, "new_key": new.publicKey.verifierKey,
                    "new_key_signs_from_size": String(ledger.size + 1),
                ]
            )
        )
        let (size, _) = try await ledger.checkpoint()
        guard size == receipt.index + 1 else { throw LedgerKeyRotationError.ledgerGrew }
        try history.rotate(to: new.publicKey, fromSize: size + 1)

        let switched = try await storage.keyRecords.replace(
            [KeyRecordName.ledgerKey: Data(new.publicKey.verifierKey.utf8), KeyRecordName.ledgerKeyHistory: Data(history.text.utf8)],
            ifCurrent: KeyRecordName.ledgerKey,
            is: Data(old.publicKey.verifierKey.utf8)
        )
        guard switched else { throw LedgerKeyRotationError.rotatedMeanwhile }
        let file = GatewayEnvironment.ledgerKeyFile(dataDirectory)
        try FileManager.default.removeItem(at: file)
        try FileManager.default.moveItem(at: nextFile, to: file)
        return Rotated(old: old.publicKey, new: new.publicKey, fromSize: size + 1, entry: receipt.index, history: history)
    }
}

public enum LedgerKeyRotationError: Error, Equatable, CustomStringConvertible {
    case ledgerGrew
    case rotatedMeanwhile

    public var description: String {
        switch self {
        case .ledgerGrew: "the ledger grew while the key was being rotated: stop every gateway on this store and run the rotation again"
        case .rotatedMeanwhile: "another process rotated the ledger key meanwhile; nothing was switched"
        }
    }
}
