import Foundation
import GRDB
import Storage

/// A backup of the embedded case database (what `casegate backup` writes), read without changing it, and
/// put in place by a restore.
public struct SQLiteBackupFile: Sendable {
    public let file: URL

    /// `path` is the backup file, or the folder `casegate backup` wrote it to.
    public init(path: String) {
        var isDirectory: ObjCBool = false
        let url = URL(fileURLWithPath: path)
        let isFolder = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        file = isFolder ? url.appendingPathComponent(SQLiteDatabase.caseFileName) : url
    }

    /// What a restore needs to know of the backup.
    public struct Contents: Sendable {
        /// Entries in its ledger.
        public var ledgerSize: Int
        /// The check value of the master key its store was created with (nil for a store from before it was recorded).
        public var masterKeyCheck: Data?
        /// Its ledger's leaf hashes, in order.
        public var leafHashes: [[UInt8]]
    }

    public func contents() throws -> Contents {
        guard FileManager.default.fileExists(atPath: file.path) else { throw SQLiteBackupError.missing(file.path) }
        var configuration = Configuration()
        configuration.readonly = true
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: file.path, configuration: configuration)
        } catch {
            throw SQLiteBackupError.notABackup(file.path, "\(error)")
        }
        return try queue.read { db in
            guard try db.tableExists("ledger_entries"), try db.tableExists("cases") else {
                throw SQLiteBackupError.notABackup(file.path, "it holds no casegate store")
            }
            let check =
                try db.tableExists("casegate_meta")
                ? try Data.fetchOne(db, sql: "SELECT value FROM casegate_meta WHERE name = ?", arguments: [KeyRecordName.masterKeyCheck]) : nil
            let hashes = try Data.fetchAll(db, sql: "SELECT leaf_hash FROM ledger_entries ORDER BY idx").map { Array($0) }
            return Contents(ledgerSize: hashes.count, masterKeyCheck: check, leafHashes: hashes)
        }
    }

    /// Puts the backup in place of the data directory's case database (its write-ahead log removed),
    /// by copying it beside and renaming it over, so a crash leaves the old file or the new one.
    public func install(into directory: URL) throws {
        let target = directory.appendingPathComponent(SQLiteDatabase.caseFileName)
        let scratch = directory.appendingPathComponent(SQLiteDatabase.caseFileName + ".restoring")
        let manager = FileManager.default
        if manager.fileExists(atPath: scratch.path) { try manager.removeItem(at: scratch) }
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        try manager.copyItem(at: file, to: scratch)
        for suffix in ["-wal", "-shm"] where manager.fileExists(atPath: target.path + suffix) {
            try manager.removeItem(atPath: target.path + suffix)
        }
        if manager.fileExists(atPath: target.path) { try manager.removeItem(at: target) }
        try manager.moveItem(at: scratch, to: target)
    }
}

public enum SQLiteBackupError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case notABackup(String, String)

    public var description: String {
        switch self {
        case .missing(let path): "no backup at \(path)"
        case .notABackup(let path, let reason): "\(path) is not a casegate backup: \(reason)"
        }
    }
}
