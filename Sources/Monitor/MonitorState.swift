import Foundation
import GRDB

/// A checkpoint the monitor verified: signed by the log, cosigned by a quorum, consistent with the one before.
public struct VerifiedCheckpoint: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "verified_checkpoints"
    public var size: Int
    public var root: Data
    public var note: String
    public var verifiedAt: Date

    enum CodingKeys: String, CodingKey {
        case size, root, note
        case verifiedAt = "verified_at"
    }
}

/// Two checkpoints that cannot both be true of one append-only log, kept as the proof of it.
public struct ForkEvidence: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "evidence"
    public var id: Int64?
    public var foundAt: Date
    /// `fork`, `rollback`, `bad-checkpoint` or `entry-mismatch`.
    public var kind: String
    public var reason: String
    /// The last checkpoint verified before.
    public var trusted: String?
    /// What the log presented this time.
    public var presented: String

    enum CodingKeys: String, CodingKey {
        case id, kind, reason, trusted, presented
        case foundAt = "found_at"
    }
}

/// The monitor's memory between runs, in SQLite: checkpoints verified, evidence found, and how far the
/// partner's entries have been checked.
public final class MonitorState: Sendable {
    let queue: DatabaseQueue

    public init(path: String) throws {
        queue = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-monitor") { db in
            try db.create(table: VerifiedCheckpoint.databaseTableName) { t in
                t.column("size", .integer).primaryKey()
                t.column("root", .blob).notNull()
                t.column("note", .text).notNull()
                t.column("verified_at", .datetime).notNull()
            }
            try db.create(table: ForkEvidence.databaseTableName) { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("found_at", .datetime).notNull()
                t.column("kind", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("trusted", .text)
                t.column("presented", .text).notNull()
            }
            try db.create(table: "entry_cursor") { t in
                t.column("id", .integer).primaryKey()
                t.column("checked_below", .integer).notNull()
            }
        }
        try migrator.migrate(queue)
    }

    public func latest() throws -> VerifiedCheckpoint? {
        try queue.read { db in try VerifiedCheckpoint.order(Column("size").desc).fetchOne(db) }
    }

    public func evidence() throws -> [ForkEvidence] {
        try queue.read { db in try ForkEvidence.order(Column("id")).fetchAll(db) }
    }

    /// Entries before this index have been checked.
    public func checkedBelow() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT checked_below FROM entry_cursor WHERE id = 1") } ?? 0
    }

    func record(_ evidence: ForkEvidence) throws {
        try queue.write { db in try evidence.insert(db) }
    }

    /// The checkpoint verified and the entries below `checkedBelow` checked, together.
    func advance(to checkpoint: VerifiedCheckpoint, checkedBelow: Int) throws {
        try queue.write { db in
            try checkpoint.save(db)
            try db.execute(
                sql:
                    "INSERT INTO entry_cursor (id, checked_below) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET checked_below = excluded.checked_below",
                arguments: [checkedBelow]
            )
        }
    }
}
