import Foundation
import Ledger
import SQLiteStorage
import Storage

/// Restores the embedded store from a backup without silently rewriting the ledger's history.
///
/// The checkpoint log (`CheckpointLog`) says how far partners may have been shown the log. A backup whose
/// ledger is shorter than that would lose entries partners hold checkpoints for: the restore is refused,
/// naming the range, unless it is acknowledged; then the first new entry is a `restore` entry naming the
/// lost range, signed into a new checkpoint, so partners' verifiers and monitors see what happened. A
/// backup from another store (another master key, or a ledger that disagrees with a logged checkpoint) is
/// refused. Run with every gateway on the store stopped.
public enum StoreRestore {
    public struct Restored: Sendable {
        public var ledgerSize: Int
        /// Entries given out in checkpoints but not in the backup, recorded by the restore entry.
        public var lost: Range<Int>?
        public var restoreEntry: Int?
    }

    public static func restore(
        from backupPath: String,
        dataDirectory: String,
        origin: String,
        acknowledgeLostEntries: Bool,
        actor: LedgerActor
    ) async throws -> Restored {
        let backup = SQLiteBackupFile(path: backupPath)
        let contents = try backup.contents()
        let directory = URL(fileURLWithPath: dataDirectory)
        let keyFile = KeyFiles.masterKey(dataDirectory: directory)
        guard FileManager.default.fileExists(atPath: keyFile.path) else { throw StoreRestoreError.noMasterKey(keyFile.path) }
        let master = try MasterKey.load(from: keyFile)
        if let check = contents.masterKeyCheck, check != master.checkValue {
            throw StoreRestoreError.otherStore("it was made under another master key")
        }
        let log = CheckpointLog.inDataDirectory(dataDirectory)
        let logged = try log.entries()
        // The backup's ledger must agree with the latest checkpoint given out that it is long enough to hold.
        if let within = logged.last(where: { $0.size > 0 && $0.size <= contents.ledgerSize }),
            let size = Checkpoint.claimedSize(within.note)
        {
            let root = MerkleTree(leafHashes: Array(contents.leafHashes.prefix(size))).currentRoot()
            guard Self.root(of: within.note) == root else {
                throw StoreRestoreError.otherStore("its first \(size) entries differ from the checkpoint of that size given out")
            }
        }
        let given = logged.last?.size ?? 0
        let lost = given > contents.ledgerSize ? contents.ledgerSize..<given : nil
        if let lost, !acknowledgeLostEntries { throw StoreRestoreError.wouldLoseEntries(lost) }

        try backup.install(into: directory)
        let storage = SQLiteBackend(database: try SQLiteDatabase(directory: directory))
        let key = try await LedgerKeySetup.open(dataDirectory: dataDirectory, origin: origin, storage: storage)
        var restored = Restored(ledgerSize: contents.ledgerSize, lost: lost, restoreEntry: nil)
        if let lost {
            let ledger = try await Ledger.open(store: storage.ledger, key: key, origin: origin, checkpointLog: log)
            let receipt = try await ledger.append(
                LedgerDraft(
                    actor: actor,
                    action: .restore,
                    details: ["lost_from": String(lost.lowerBound), "lost_to": String(lost.upperBound), "backup": backup.file.lastPathComponent]
                )
            )
            _ = try await ledger.checkpoint()
            restored.restoreEntry = receipt.index
            restored.ledgerSize = ledger.size
        }
        await storage.close()
        return restored
    }

    /// A signed note's root (its third line), unverified: compared with a recomputed one.
    static func root(of note: String) -> [UInt8]? {
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count > 2 ? Data(base64Encoded: String(lines[2])).map(Array.init) : nil
    }
}

public enum StoreRestoreError: Error, Equatable, CustomStringConvertible {
    case wouldLoseEntries(Range<Int>)
    case otherStore(String)
    case noMasterKey(String)

    public var description: String {
        switch self {
        case .wouldLoseEntries(let range):
            "the backup's ledger ends at entry \(range.lowerBound), but checkpoints up to size \(range.upperBound) were given out: restoring "
                + "loses entries \(range.lowerBound)..<\(range.upperBound), which partners may hold receipts for. Restore anyway with "
                + "--acknowledge-lost-entries: the first new entry will record the lost range"
        case .otherStore(let reason): "the backup is not of this store: \(reason)"
        case .noMasterKey(let path): "no master key at \(path): restore it first (a backup never holds keys)"
        }
    }
}
