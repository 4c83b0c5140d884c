import Foundation
import GRDB
import Storage

/// The embedded store: `casegate.sqlite` for cases and users, `keys.sqlite`
/// for wrapped data keys, and the master key file, all in one data directory.
public struct SQLiteDatabase: Sendable {
    public let directory: URL
    package let cases: DatabasePool
    package let keys: DatabasePool
    /// The disclosure path's single-row reads, past the pools.
    let caseReads: PointReaders
    let keyReads: PointReaders
    /// Keeps the case database's log short off the ledger's commit path.
    let checkpointer: Checkpointer
    /// Disclosed-field lists the ledger has stored, by their bytes.
    let fieldLists = FieldLists.Known()
    /// The master keys: the current one, and a rotation's next one when present.
    public let masterKeys: MasterKeyRing
    /// The pseudonym root and party-index key, kept wrapped in `casegate_meta`.
    public let secrets: StoreSecrets

    public static let caseFileName = "casegate.sqlite"
    public static let keyFileName = "keys.sqlite"
    public static let masterKeyFileName = KeyFiles.masterKeyName

    /// Opens (creating and migrating as needed) the databases in `directory`. A new store is set up with
    /// `newStoreSecrets` when given (to keep the pseudonyms of a store it replaces), else random ones.
    public init(directory: URL, newStoreSecrets: StoreSecrets? = nil) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        let keyFile = KeyFiles.masterKey(dataDirectory: directory)
        let existing = FileManager.default.fileExists(atPath: directory.appendingPathComponent(Self.caseFileName).path)
        // A new key is made only with a new store: for an existing one it could read nothing, so it is refused.
        if !FileManager.default.fileExists(atPath: keyFile.path), existing {
            throw StorageError.masterKey(
                path: keyFile.path,
                reason:
                    "is missing, and this data directory holds a store sealed under a master key: restore the key file (a new key could open none of its cases)"
            )
        }
        if !FileManager.default.fileExists(atPath: keyFile.path) { _ = try MasterKey.create(at: keyFile) }
        self.cases = try Self.openPool(directory.appendingPathComponent(Self.caseFileName), CaseDatabaseMigrations.migrator)
        self.keys = try Self.openPool(directory.appendingPathComponent(Self.keyFileName), KeyStoreMigrations.migrator)
        self.caseReads = PointReaders(path: directory.appendingPathComponent(Self.caseFileName).path)
        self.keyReads = PointReaders(path: directory.appendingPathComponent(Self.keyFileName).path)
        self.checkpointer = try Checkpointer(path: directory.appendingPathComponent(Self.caseFileName).path)
        self.masterKeys = try Self.openKeys(keyFile: keyFile, nextFile: KeyFiles.nextMasterKey(dataDirectory: directory), in: cases)
        self.secrets = try Self.loadSecrets(masterKeys.current, newStore: newStoreSecrets, in: cases)
    }

    /// The store's own secrets: recorded ones unwrapped, or (first open) made and recorded in one transaction.
    private static func loadSecrets(_ masterKey: MasterKey, newStore: StoreSecrets?, in cases: DatabasePool) throws -> StoreSecrets {
        try cases.write { db in
            var recorded: [String: Data] = [:]
            for name in StoreSecrets.names {
                recorded[name] = try Data.fetchOne(db, sql: "SELECT value FROM casegate_meta WHERE name = ?", arguments: [name])
            }
            let hasData = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM cases) OR EXISTS (SELECT 1 FROM ledger_entries)") ?? false
            let (secrets, toRecord) = try StoreSecrets.resolve(master: masterKey, recorded: recorded, storeHasData: hasData, newStore: newStore)
            for (name, value) in toRecord {
                try db.execute(sql: "INSERT INTO casegate_meta (name, value) VALUES (?, ?)", arguments: [name, value])
            }
            return secrets
        }
    }

    /// The master keys for the check value the store recorded when first opened (this key's, for a new store).
    private static func openKeys(keyFile: URL, nextFile: URL, in cases: DatabasePool) throws -> MasterKeyRing {
        let recorded = try cases.read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM casegate_meta WHERE name = ?", arguments: [KeyRecordName.masterKeyCheck])
        }
        let ring = try MasterKeyRing.open(keyFile: keyFile, nextFile: nextFile, recordedCheck: recorded)
        guard recorded == nil else { return ring }
        let check = ring.current.checkValue
        let stored = try cases.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO casegate_meta (name, value) VALUES (?, ?)", arguments: [KeyRecordName.masterKeyCheck, check])
            return try Data.fetchOne(db, sql: "SELECT value FROM casegate_meta WHERE name = ?", arguments: [KeyRecordName.masterKeyCheck])
        }
        guard stored == check else {
            throw StorageError.masterKey(path: keyFile.path, reason: "is not the master key this store was created with")
        }
        return ring
    }

    public var caseFile: URL { directory.appendingPathComponent(Self.caseFileName) }

    /// Caps the case database at `pages` pages (nil lifts the cap), as a quota or a full disk would:
    /// a write that needs more fails with SQLITE_FULL and changes nothing.
    public func limitSize(toPages pages: Int?) async throws {
        try await cases.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA max_page_count = \(pages ?? 4_294_967_294)")
        }
    }

    /// Pages in the case database now.
    public func pageCount() async throws -> Int {
        try await cases.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
    }

    /// Whether both databases answer a trivial query.
    public func isReady() async -> Bool {
        do {
            _ = try await cases.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
            _ = try await keys.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
            return true
        } catch {
            return false
        }
    }

    private static func openPool(_ url: URL, _ migrator: DatabaseMigrator) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // Deleted pages are overwritten, not left readable in the file.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        let pool = try DatabasePool(path: url.path, configuration: configuration)
        // Every commit synced to disk before it returns: a disclosure's entry is durable before the body
        // leaves, also across a power cut. Set here, on the pool's one writing connection, because the pool
        // sets `synchronous = NORMAL` (no sync at commit in WAL mode) after `prepareDatabase` has run.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        // A database a newer casegate has migrated is not opened by an older one: its writes could break what it does not know.
        if try pool.read({ db in try migrator.hasBeenSuperseded(db) }) {
            throw StorageError.newerSchema(store: url.lastPathComponent)
        }
        try migrator.migrate(pool)
        return pool
    }
}
