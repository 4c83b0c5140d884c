import Foundation
import Ledger
import Storage

/// Re-wraps every data key under a new master key while gateways keep serving.
///
/// In order, so that a crash at any point leaves every case readable with one key or the other and a
/// rerun finishes the work: (1) the new key is written to `master.key.next` (or an existing one, copied
/// there by `--prepare` on another instance, is used); (2) the store switches new data keys to it (gateways
/// read the switch in the transaction that inserts a key, and load `master.key.next` when they first need
/// it); (3) batches re-wrap the data keys still under the old key, each batch one transaction that replaces
/// only rows unchanged since read; (4) with none left, a `master-key-rotation` ledger entry names both key
/// ids; (5) the store, in one transaction, records the new key's check value and its secrets re-wrapped
/// under it; (6) the new key replaces `master.key`. Opening a store after a crash between (5) and (6)
/// finishes (6) (`MasterKeyRing.open`).
public struct MasterKeyRotation: Sendable {
    public struct Progress: Sendable, Equatable {
        /// Data keys re-wrapped by this run so far.
        public var rewrapped: Int
        /// Data keys read so far (including ones already under the new key).
        public var read: Int
    }

    public struct Rotated: Sendable {
        public var oldKeyID: String
        public var newKeyID: String
        public var rewrapped: Int
        /// The `master-key-rotation` entry's index.
        public var entry: Int
    }

    public var dataDirectory: URL
    public var storage: any StorageBackend
    public var batchSize = 500

    public init(dataDirectory: URL, storage: any StorageBackend) {
        self.dataDirectory = dataDirectory
        self.storage = storage
    }

    var nextFile: URL { KeyFiles.nextMasterKey(dataDirectory: dataDirectory) }

    /// Step (1) alone: writes `master.key.next` for copying to every instance before the rotation runs.
    public func prepare() throws -> MasterKey {
        if FileManager.default.fileExists(atPath: nextFile.path) { return try MasterKey.load(from: nextFile) }
        return try MasterKey.create(at: nextFile)
    }

    /// Runs the rotation to the end; `stopAfterBatches` ends it early as a crash would (tests).
    public func run(
        ledger: Ledger,
        actor: LedgerActor,
        stopAfterBatches: Int? = nil,
        progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Rotated {
        let old = storage.masterKeys.current
        let new = try prepare()
        guard new.id != old.id else { throw MasterKeyRotationError.sameKey }
        storage.masterKeys.adopt(new)
        try await storage.dataKeys.setWriteKeyID(new.id)

        var state = Progress(rewrapped: 0, read: 0)
        var after: String?
        var batches = 0
        while true {
            if let stopAfterBatches, batches >= stopAfterBatches { throw MasterKeyRotationError.stopped }
            let keys = try await storage.dataKeys.dataKeys(after: after, limit: batchSize)
            guard let last = keys.last else { break }
            var replacements: [(caseID: String, old: Data, new: Data)] = []
            for key in keys where key.wrappedBy != new.id {
                let dataKey = try storage.masterKeys.unwrap(key.wrapped)
                replacements.append((key.caseID, key.wrapped, try new.wrap(dataKey)))
            }
            state.rewrapped += try await storage.dataKeys.replace(replacements, wrappedBy: new.id)
            state.read += keys.count
            after = last.caseID
            batches += 1
            progress(state)
        }
        let left = try await storage.dataKeys.countNotWrapped(by: new.id)
        guard left == 0 else { throw MasterKeyRotationError.keysLeft(left) }

        let receipt = try await ledger.append(
            LedgerDraft(
                actor: actor,
                action: .masterKeyRotation,
                details: ["old_master_key": old.idText, "new_master_key": new.idText, "data_keys_rewrapped": String(state.rewrapped)]
            )
        )
        var switched: [String: Data] = [KeyRecordName.masterKeyCheck: new.checkValue]
        switched[StoreSecrets.pseudonymRootName] = try new.wrap(storage.secrets.pseudonymRoot)
        switched[StoreSecrets.partyIndexName] = try new.wrap(storage.secrets.partyIndex)
        guard try await storage.keyRecords.replace(switched, ifCurrent: KeyRecordName.masterKeyCheck, is: old.checkValue) else {
            throw MasterKeyRotationError.rotatedMeanwhile
        }
        let keyFile = KeyFiles.masterKey(dataDirectory: dataDirectory)
        if keyFile.deletingLastPathComponent().standardizedFileURL.path == dataDirectory.standardizedFileURL.path {
            guard rename(nextFile.path, keyFile.path) == 0 else { throw MasterKeyRotationError.fileNotReplaced(keyFile.path) }
        }
        return Rotated(oldKeyID: old.idText, newKeyID: new.idText, rewrapped: state.rewrapped, entry: receipt.index)
    }
}

public enum MasterKeyRotationError: Error, Equatable, CustomStringConvertible {
    case sameKey
    case keysLeft(Int)
    case rotatedMeanwhile
    case fileNotReplaced(String)
    /// Ended early on request (tests of resuming).
    case stopped

    public var description: String {
        switch self {
        case .sameKey: "master.key.next holds the current master key: remove it and run the rotation again"
        case .keysLeft(let count): "\(count) data keys are still wrapped by another master key: run the rotation again (it resumes)"
        case .rotatedMeanwhile: "another process rotated the master key meanwhile; nothing was switched"
        case .fileNotReplaced(let path):
            "the store now uses the new master key but it could not replace \(path): move master.key.next there (both keys open every case until then)"
        case .stopped: "stopped part way; run the rotation again to resume"
        }
    }
}
