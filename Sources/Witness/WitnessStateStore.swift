import Foundation
import GRDB

/// What a witness remembers of one log: the latest checkpoint it cosigned, with its own cosignature.
public struct WitnessedLog: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "witnessed_logs"

    public var origin: String
    public var size: Int
    public var root: Data
    /// The checkpoint as the log signed it, with this witness's cosignature added.
    public var checkpoint: String
    public var cosignedAt: Date

    enum CodingKeys: String, CodingKey {
        case origin, size, root, checkpoint
        case cosignedAt = "cosigned_at"
    }

    public enum Columns {
        static let origin = Column(CodingKeys.origin)
    }
}

/// A checkpoint the witness refused although its log signature verified: possible evidence of a log
/// misbehaving (a fork, a rollback), kept as tlog-witness allows.
public struct WitnessRefusal: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "witness_refusals"

    public var id: Int64?
    public var origin: String
    public var at: Date
    public var status: Int
    public var reason: String
    /// The request body, as received.
    public var request: String

    enum CodingKeys: String, CodingKey {
        case id, origin, at, status, reason, request
    }
}

/// The witness's state in SQLite. The check against the last cosigned size and the update happen in one
/// write transaction, so two submissions cannot roll the recorded size back (tlog-witness's race).
public final class WitnessStateStore: Sendable {
    let queue: DatabaseQueue

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try Self.migrator.migrate(queue)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-witnessed-logs") { db in
            try db.create(table: WitnessedLog.databaseTableName) { t in
                t.column("origin", .text).primaryKey()
                t.column("size", .integer).notNull()
                t.column("root", .blob).notNull()
                t.column("checkpoint", .text).notNull()
                t.column("cosigned_at", .datetime).notNull()
            }
            try db.create(table: WitnessRefusal.databaseTableName) { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("origin", .text).notNull()
                t.column("at", .datetime).notNull()
                t.column("status", .integer).notNull()
                t.column("reason", .text).notNull()
                t.column("request", .text).notNull()
            }
        }
        return migrator
    }

    public func log(_ origin: String) throws -> WitnessedLog? {
        try queue.read { db in try WitnessedLog.fetchOne(db, key: origin) }
    }

    public func logs() throws -> [WitnessedLog] {
        try queue.read { db in try WitnessedLog.order(WitnessedLog.Columns.origin).fetchAll(db) }
    }

    public func refusals() throws -> [WitnessRefusal] {
        try queue.read { db in try WitnessRefusal.order(Column("id")).fetchAll(db) }
    }

    /// Runs `decide` on the log's current record inside one write transaction; the record it returns (if
    /// any) replaces the stored one before the transaction commits, and so before anyone is answered.
    func update<T>(_ origin: String, _ decide: (WitnessedLog?) throws -> (T, WitnessedLog?)) throws -> T {
        try queue.write { db in
            let (result, record) = try decide(try WitnessedLog.fetchOne(db, key: origin))
            try record?.save(db)
            return result
        }
    }

    func record(_ refusal: WitnessRefusal) throws {
        try queue.write { db in try refusal.insert(db) }
    }
}
