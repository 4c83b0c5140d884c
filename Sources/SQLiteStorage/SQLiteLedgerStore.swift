import ByteEncoding
import Foundation
import GRDB
import Ledger
import Storage

/// The ledger in the case database: entries with the columns IG queries need,
/// an index of entries by case, and signed checkpoints.
public struct SQLiteLedgerStore: SynchronousLedgerAppend {
    let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    /// SQLite's own write lock (an IMMEDIATE transaction) serialises writers, in this process or another.
    public func append(_ batch: LedgerBatch) async throws -> LedgerBatch {
        try await mapErrors {
            try await database.cases.writeWithoutTransaction { db in try Self.append(batch, to: database, db) }
        }
    }

    /// The same on the calling thread: what the ledger's writer calls, from a queue of its own.
    public func appendSynchronously(_ batch: LedgerBatch) throws -> LedgerBatch {
        try mapSynchronousErrors {
            try database.cases.writeWithoutTransaction { db in try Self.append(batch, to: database, db) }
        }
    }

    private static func append(_ batch: LedgerBatch, to database: SQLiteDatabase, _ db: Database) throws -> LedgerBatch {
        var batch = batch
        var foundLists: [ByteKey: Int64] = [:]
        try Self.inImmediateTransaction(db) {
            let head = try Self.head(db)
            try batch.found(size: head.size, lastTime: head.lastTime) { from in
                try Data.fetchAll(db, sql: "SELECT leaf_hash FROM ledger_entries WHERE idx >= ? ORDER BY idx", arguments: [from]).map {
                    Array($0)
                }
            }
            for (position, effect) in batch.effects(of: SQLiteLedgerEffect.self) {
                do {
                    try db.inSavepoint {
                        try effect.apply(db)
                        return .commit
                    }
                } catch let error as DatabaseError where Self.isStorageFailure(error) {
                    throw error  // a full disk or I/O error fails the whole batch
                } catch {
                    batch.effectFailed(at: position, error)
                }
            }
            // Some failures make SQLite roll the whole transaction back; an effect's, caught above, must not let
            // what follows run on its own, the rows each a commit of their own.
            guard db.isInsideTransaction else {
                throw DatabaseError(resultCode: .SQLITE_ABORT, message: "the ledger batch's transaction was rolled back")
            }
            if batch.changeMarkNeeded {
                var read = RawBindings(try db.cachedStatement(sql: CaseChangeMark.readSQL), in: db)
                batch.checkPreconditions(changeMark: try read.firstRow { RawBindings.integer($0, 0) } ?? nil)
            }
            try Self.insert(try batch.rows(), lists: database.fieldLists, found: &foundLists, db)
        }
        database.fieldLists.remember(foundLists)
        database.checkpointer.committed()
        return batch
    }

    /// The log's head as its writer finds it under the write lock: the size, and the last entry's time. One
    /// statement read straight from SQLite's row: GRDB's `fetchOne` made a cursor, an argument list and a
    /// string for each of the two reads it replaces, every batch.
    private static func head(_ db: Database) throws -> (size: Int, lastTime: String?) {
        var read = RawBindings(try db.cachedStatement(sql: "SELECT idx, time FROM ledger_entries ORDER BY idx DESC LIMIT 1"), in: db)
        return try read.firstRow { row in (Int(RawBindings.integer(row, 0) ?? -1) + 1, RawBindings.text(row, 1)) } ?? (0, nil)
    }

    /// Runs `body` in an IMMEDIATE transaction, begun and ended by cached statements, and rolls back if it
    /// throws. GRDB's `inTransaction` prepares `BEGIN` and `COMMIT` afresh each time: at one entry a commit,
    /// as at a few thousand views a second, that was a tenth of a view's heap allocations, on the one thread
    /// every disclosure's commit waits for.
    private static func inImmediateTransaction(_ db: Database, _ body: () throws -> Void) throws {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            try body()
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
        } catch {
            // SQLite has already rolled back after some failures (a full disk, an I/O error); the first error is the one to report.
            if db.isInsideTransaction { try? db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute() }
            throw error
        }
    }

    /// Failures of the database itself, as opposed to an effect's own (a rule, a missing row, a constraint).
    static func isStorageFailure(_ error: DatabaseError) -> Bool {
        [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_READONLY, .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_CANTOPEN]
            .contains(error.resultCode)
    }

    private static func insert(_ rows: [LedgerRow], lists: FieldLists.Known, found: inout [ByteKey: Int64], _ db: Database) throws {
        var insert = RawBindings(
            try db.cachedStatement(
                sql: """
                    INSERT INTO ledger_entries (idx, entry, leaf_hash, time, action, actor_id, recipient, purpose, fields_list, fields_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ),
            in: db
        )
        var link = RawBindings(try db.cachedStatement(sql: "INSERT INTO ledger_case_links (bucket, case_id, idx) VALUES (?, ?, ?)"), in: db)
        var values = BorrowedRow()
        for row in rows {
            let (entry, stored) = (row.entry, row.stored)
            let split = try FieldLists.split(row, known: lists, found: &found, db)
            values.removeAll()
            values.append(stored.index)
            values.append(blob: split.before, split.after)
            values.append(blob: stored.leafHash[...])
            values.append(text: entry.time)
            values.append(text: entry.action.rawValue)
            values.append(text: entry.actor.id)
            values.append(text: entry.recipient)
            values.append(text: entry.purpose)
            values.append(split.listID)
            values.append(split.listAt.map(Int64.init))
            try insert.execute(values)
            let bucket = stored.index >> CaseLinkBuckets.shift
            for caseID in row.caseLinks {
                values.removeAll()
                values.append(bucket)
                values.append(text: caseID)
                values.append(stored.index)
                try link.execute(values)
            }
        }
    }

    public func entries(from index: Int, limit: Int) async throws -> [StoredLedgerEntry] {
        try await mapErrors {
            try await database.cases.read { db in try FieldLists.entries(from: index, limit: limit, db) }
        }
    }

    public func checkedLeaves(from index: Int, limit: Int) async throws -> CheckedLeaves {
        try await mapErrors {
            try await database.cases.read { db in try FieldLists.checkedLeaves(from: index, limit: limit, db) }
        }
    }

    public func leafHashes(from index: Int, count: Int) async throws -> [[UInt8]] {
        try await mapErrors {
            try await database.cases.read { db in
                try Data.fetchAll(
                    db,
                    sql: "SELECT leaf_hash FROM ledger_entries WHERE idx >= ? ORDER BY idx LIMIT ?",
                    arguments: [index, count]
                ).map { Array($0) }
            }
        }
    }

    public func tileRoots(height: Int) async throws -> [[UInt8]] {
        try await mapErrors {
            try await database.cases.read { db in
                TileRoots.leadingRun(
                    try Row.fetchAll(
                        db,
                        sql: "SELECT tile, root FROM ledger_tile_roots WHERE height = ? ORDER BY tile",
                        arguments: [height]
                    ).map { ($0["tile"], Array($0["root"] as Data)) }
                )
            }
        }
    }

    public func saveTileRoots(height: Int, from tile: Int, _ roots: [[UInt8]]) async throws {
        try await mapErrors {
            try await database.cases.write { db in
                let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO ledger_tile_roots (height, tile, root) VALUES (?, ?, ?)")
                for (offset, root) in roots.enumerated() { try statement.execute(arguments: [height, tile + offset, Data(root)]) }
            }
        }
    }

    public func dropTileRoots(height: Int, from tile: Int) async throws {
        try await mapErrors {
            try await database.cases.write { db in
                try db.execute(sql: "DELETE FROM ledger_tile_roots WHERE height = ? AND tile >= ?", arguments: [height, tile])
            }
        }
    }

    public func saveCheckpoint(size: Int, note: String) async throws -> String {
        try await mapErrors {
            try await database.cases.write { db in
                try db.execute(
                    sql: "INSERT OR IGNORE INTO ledger_checkpoints (size, note, created_at) VALUES (?, ?, ?)",
                    arguments: [size, note, Date()]
                )
                return try String.fetchOne(db, sql: "SELECT note FROM ledger_checkpoints WHERE size = ?", arguments: [size]) ?? note
            }
        }
    }

    public func latestCheckpoint() async throws -> (size: Int, note: String)? {
        try await mapErrors {
            try await database.cases.read { db in
                try Row.fetchOne(db, sql: "SELECT size, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1").map { ($0["size"], $0["note"]) }
            }
        }
    }

    public func checkpoints() async throws -> [(size: Int, note: String)] {
        try await mapErrors {
            try await database.cases.read { db in
                try Row.fetchAll(db, sql: "SELECT size, note FROM ledger_checkpoints ORDER BY size").map { ($0["size"], $0["note"]) }
            }
        }
    }

    public func query(_ query: LedgerQuery) async throws -> [StoredLedgerEntry] {
        if query.caseIDs?.isEmpty == true { return [] }
        let (lowest, highest) = try await query.indexBounds { try await firstIndex(atOrAfter: $0, strictly: $1) }
        let (sql, arguments) = Self.select(query, lowest: lowest, highest: highest)
        return try await mapErrors {
            try await database.cases.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(FieldLists.stored) }
        }
    }

    /// The statement for `query` once its time bounds are index bounds (`lowest`, `highest`, inclusive).
    static func select(_ query: LedgerQuery, lowest: Int, highest: Int?) -> (sql: String, arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        var prefix = ""
        var prefixArguments: [(any DatabaseValueConvertible)?] = []
        var from = "ledger_entries e"
        if let caseIDs = query.caseIDs {
            // One seek per bucket and case: the buckets are listed by a recursive CTE, each joined on the key's prefix.
            prefix = """
                WITH RECURSIVE buckets(b) AS (SELECT ? UNION ALL SELECT b + 1 FROM buckets
                WHERE b < COALESCE(?, (SELECT MAX(idx) FROM ledger_entries)) >> \(CaseLinkBuckets.shift))
                """
            prefixArguments = [lowest >> CaseLinkBuckets.shift, highest]
            from = "buckets JOIN ledger_case_links c ON c.bucket = buckets.b JOIN ledger_entries e ON e.idx = c.idx"
            conditions.append("c.case_id IN (\(caseIDs.map { _ in "?" }.joined(separator: ",")))")
            arguments += caseIDs
        }
        if let recipient = query.recipient {
            conditions.append("e.recipient = ?")
            arguments.append(recipient)
        }
        if let actor = query.actorID {
            conditions.append("e.actor_id = ?")
            arguments.append(actor)
        }
        if let purpose = query.purpose {
            conditions.append("e.purpose = ?")
            arguments.append(purpose)
        }
        if let actions = query.actions {
            conditions.append("e.action IN (\(actions.map { _ in "?" }.joined(separator: ",")))")
            arguments += actions.map(\.rawValue)
        }
        if let term = LedgerActionIndexes.term(for: query.actions, alias: "e") { conditions.append(term) }
        // Entry times never decrease along the log, so a time range is an index range: found by binary search on the key.
        if lowest > 0 {
            conditions.append("e.idx >= ?")
            arguments.append(lowest)
        }
        if let highest {
            conditions.append("e.idx <= ?")
            arguments.append(highest)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "\(prefix) SELECT DISTINCT \(FieldLists.columns) FROM \(from) \(FieldLists.join) \(whereClause) ORDER BY e.idx LIMIT ?"
        arguments.append(max(1, min(query.limit, 100_000)))
        return (sql, StatementArguments(prefixArguments + arguments))
    }

    /// The first index whose time is ≥ `time` (or > it, when `strictly`); the log's size when there is none.
    func firstIndex(atOrAfter time: String, strictly: Bool) async throws -> Int {
        try await mapErrors {
            try await database.cases.read { db in
                var low = 0
                var high = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries") ?? 0
                while low < high {
                    let mid = (low + high) / 2
                    let t = try String.fetchOne(db, sql: "SELECT time FROM ledger_entries WHERE idx = ?", arguments: [mid]) ?? ""
                    if strictly ? t > time : t >= time { high = mid } else { low = mid + 1 }
                }
                return low
            }
        }
    }
}
