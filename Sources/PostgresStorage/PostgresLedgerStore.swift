import ByteEncoding
import Crypto
import Foundation
import Ledger
import Logging
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import Storage

/// The ledger in PostgreSQL, shared by every instance. Each append takes the ledger's advisory lock for its
/// transaction: the holder is the log's sequencer for that batch. It reads the head, takes the next indices
/// and writes its entries; the commit (or the holder's death, which aborts the transaction) frees the lock.
public struct PostgresLedgerStore: LedgerStore {
    let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    public func append(_ batch: LedgerBatch) async throws -> LedgerBatch {
        if let written = try await appendAtKnownHead(batch) { return written }
        let logger = database.logger
        let (written, found) = try await database.transaction { connection in
            var batch = batch
            // One round trip (`casegate_ledger_head`): the lock, then the head and the change mark as seen holding it.
            let head = try await connection.query(
                "SELECT size, last_time, change_mark FROM casegate_ledger_head(\(AdvisoryLock.ledger))",
                logger: logger
            ).collect().first?.decode((Int, String?, Int64?).self)
            try await batch.found(size: head?.0 ?? 0, lastTime: head?.1) { from in
                try await leafHashes(from: from, on: connection)
            }
            let effects = batch.effects(of: PostgresLedgerEffect.self)
            for (position, effect) in effects {
                try await connection.query("SAVEPOINT ledger_effect", logger: logger)
                do {
                    try await effect.apply(connection)
                    try await connection.query("RELEASE SAVEPOINT ledger_effect", logger: logger)
                } catch let error as PSQLError where PostgresDatabase.isStorageFailure(error) {
                    throw error  // the server or the disk: the whole batch fails
                } catch {
                    try await connection.query("ROLLBACK TO SAVEPOINT ledger_effect", logger: logger)
                    batch.effectFailed(at: position, error)
                }
            }
            if batch.changeMarkNeeded {
                // Read again only when an effect ran, since an effect may have moved it.
                let mark =
                    effects.isEmpty
                    ? head?.2
                    : try await connection.execute(ChangeMarkStatement(), logger: logger).firstOfAll()
                batch.checkPreconditions(changeMark: mark)
            }
            return (batch, try await insert(try batch.rows(), at: batch.head, connection))
        }
        database.fieldLists.remember(found)
        database.ledgerAppends.withLock { $0.inTransaction += 1 }
        return written
    }

    /// The batch in one round trip (`casegate_ledger_append`, in a transaction of its own) when it can be
    /// built before the head is read: no effects, the head known, every field list already stored. Nil
    /// when it cannot, or when the log no longer ends where this process saw it (another instance wrote)
    /// or the change mark moved: then nothing was written, and the caller takes the transaction's way.
    private func appendAtKnownHead(_ batch: LedgerBatch) async throws -> LedgerBatch? {
        guard let (batch, changeMark) = batch.assumingKnownHead(),
            let columns = LedgerColumns(try batch.rows(), storedLists: database.fieldLists)
        else { return nil }
        let statement = LedgerAppendStatement(columns: columns, head: batch.head, changeMark: changeMark)
        let written = try await database.mapErrors {
            try await database.client.execute(statement, logger: database.logger).firstOfAll() ?? false
        }
        database.ledgerAppends.withLock {
            if written { $0.atKnownHead += 1 } else { $0.headMoved += 1 }
        }
        return written ? batch : nil
    }

    /// Writes the batch's rows at the head read under the lock; returns the ids of field lists first seen
    /// in this transaction.
    private func insert(_ rows: [LedgerRow], at head: LedgerHead, _ connection: PostgresConnection) async throws -> [ByteKey: Int64] {
        var found: [ByteKey: Int64] = [:]
        for row in rows {
            if let list = row.parts?.list { _ = try await fieldListID(list, found: &found, connection) }
        }
        guard let columns = LedgerColumns(rows, storedLists: database.fieldLists, found: found) else {
            throw StorageError.unavailable(reason: "a field list was stored and then not found")
        }
        // The same insert as a batch at a known head; the lock is held, so the head it checks is the one read.
        let statement = LedgerAppendStatement(columns: columns, head: head, changeMark: nil)
        guard try await connection.execute(statement, logger: database.logger).firstOfAll() == true else {
            throw StorageError.unavailable(reason: "the ledger's head moved while its lock was held")
        }
        return found
    }

    /// The id of a stored field list: remembered, or found or stored in this transaction (then added to `found`).
    /// Another instance may have stored the same list first; its row is the one used.
    private func fieldListID(_ list: ByteKey, found: inout [ByteKey: Int64], _ connection: PostgresConnection) async throws -> Int64 {
        if let id = database.fieldLists.id(for: list) ?? found[list] { return id }
        let digest = ByteBuffer(bytes: SHA256.hash(data: list.bytes))
        let rows = try await connection.query(
            """
            WITH stored AS (
                INSERT INTO ledger_field_lists (digest, list) VALUES (\(digest), \(ByteBuffer(bytes: list.bytes)))
                ON CONFLICT (digest) DO NOTHING RETURNING id
            )
            SELECT id FROM stored UNION ALL SELECT id FROM ledger_field_lists WHERE digest = \(digest)
            """,
            logger: database.logger
        ).collect()
        guard let id = try rows.first?.decode(Int64.self) else {
            throw StorageError.unavailable(reason: "a field list was written and then not found")
        }
        found[list] = id
        return id
    }

    public func entries(from index: Int, limit: Int) async throws -> [StoredLedgerEntry] {
        try await database.mapErrors { try await entryRows(from: index, limit: limit).collect().map(Self.stored) }
    }

    /// The entries checked in their stored parts as the rows arrive, as `FieldLists.checkedLeaves` does on
    /// SQLite: no entry put back together, no run held whole in memory.
    public func checkedLeaves(from index: Int, limit: Int) async throws -> CheckedLeaves {
        try await database.mapErrors {
            var checked = CheckedLeaves(first: index, capacity: limit)
            // Past a problem `check` does nothing more, and the rest of the rows are read off the connection.
            for try await (index, entry, leaf, listAt, list) in try await entryRows(from: index, limit: limit).decode(StoredColumns.self) {
                entry.withUnsafeReadableBytes { bytes in
                    leaf.withUnsafeReadableBytes { leafHash in
                        Self.withBytes(of: list) { _ = checked.check(index: index, bytes: bytes, list: $0, listAt: listAt, leafHash: leafHash) }
                    }
                }
            }
            return checked
        }
    }

    /// Up to `limit` rows of `FieldLists.columns` from `index` on, in order.
    private func entryRows(from index: Int, limit: Int) async throws -> PostgresRowSequence {
        try await database.client.query(
            """
            SELECT \(unescaped: FieldLists.columns) FROM ledger_entries e \(unescaped: FieldLists.join) WHERE e.idx >= \(index) ORDER BY e.idx LIMIT \(limit)
            """,
            logger: database.logger
        )
    }

    public func leafHashes(from index: Int, count: Int) async throws -> [[UInt8]] {
        try await database.mapErrors {
            try await database.client.withConnection { connection in try await leafHashes(from: index, count: count, on: connection) }
        }
    }

    private func leafHashes(from index: Int, count: Int = Int(Int64.max), on connection: PostgresConnection) async throws -> [[UInt8]] {
        var hashes: [[UInt8]] = []
        let rows = try await connection.query(
            "SELECT leaf_hash FROM ledger_entries WHERE idx >= \(index) ORDER BY idx LIMIT \(count)",
            logger: database.logger
        )
        for try await hash in rows.decode(ByteBuffer.self) { hashes.append(Array(buffer: hash)) }
        return hashes
    }

    public func tileRoots(height: Int) async throws -> [[UInt8]] {
        try await database.mapErrors {
            var rows: [(tile: Int, root: [UInt8])] = []
            let query = try await database.client.query(
                "SELECT tile, root FROM ledger_tile_roots WHERE height = \(height) ORDER BY tile",
                logger: database.logger
            )
            for try await (tile, root) in query.decode((Int, ByteBuffer).self) { rows.append((tile, Array(buffer: root))) }
            return TileRoots.leadingRun(rows)
        }
    }

    /// Every instance records the tiles it sees complete; the roots are the same, so the last write stands.
    public func saveTileRoots(height: Int, from tile: Int, _ roots: [[UInt8]]) async throws {
        let tiles = roots.indices.map { tile + $0 }
        let hashes = roots.map { ByteBuffer(bytes: $0) }
        try await database.mapErrors {
            try await database.client.query(
                """
                INSERT INTO ledger_tile_roots (height, tile, root)
                SELECT \(height), tile, root FROM unnest(\(tiles)::bigint[], \(hashes)::bytea[]) AS r(tile, root)
                ON CONFLICT (height, tile) DO UPDATE SET root = EXCLUDED.root
                """,
                logger: database.logger
            )
        }
    }

    public func dropTileRoots(height: Int, from tile: Int) async throws {
        try await database.mapErrors {
            try await database.client.query("DELETE FROM ledger_tile_roots WHERE height = \(height) AND tile >= \(tile)", logger: database.logger)
        }
    }

    public func saveCheckpoint(size: Int, note: String) async throws -> String {
        try await database.mapErrors {
            try await database.client.query(
                """
                INSERT INTO ledger_checkpoints (size, note, created_at) VALUES (\(size), \(note), now())
                ON CONFLICT (size) DO UPDATE SET size = EXCLUDED.size RETURNING note
                """,
                logger: database.logger
            ).collect().first?.decode(String.self) ?? note
        }
    }

    public func latestCheckpoint() async throws -> (size: Int, note: String)? {
        try await database.mapErrors {
            try await database.client.query("SELECT size, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1", logger: database.logger)
                .collect().first?.decode((Int, String).self)
        }
    }

    public func checkpoints() async throws -> [(size: Int, note: String)] {
        try await database.mapErrors {
            try await database.client.query("SELECT size, note FROM ledger_checkpoints ORDER BY size", logger: database.logger)
                .collect().map { try $0.decode((Int, String).self) }
        }
    }

    public func query(_ query: LedgerQuery) async throws -> [StoredLedgerEntry] {
        if query.caseIDs?.isEmpty == true { return [] }
        let (lowest, highest) = try await query.indexBounds { try await firstIndex(atOrAfter: $0, strictly: $1) }
        var binds = DynamicBindings()
        var conditions: [String] = []
        var from = "ledger_entries e"
        if let caseIDs = query.caseIDs {
            // One index seek per bucket and case: the buckets in range listed, each joined on the key's prefix.
            let first = binds.bind(lowest >> CaseLinkBuckets.shift)
            let last = highest.map { "\(binds.bind($0))::bigint" } ?? "(SELECT MAX(idx) FROM ledger_entries)"
            from = """
                generate_series(\(first)::bigint, \(last) >> \(CaseLinkBuckets.shift)) AS b(bucket)
                JOIN ledger_case_links c ON c.bucket = b.bucket AND c.case_id = ANY(\(binds.bind(caseIDs)))
                JOIN ledger_entries e ON e.idx = c.idx
                """
        }
        if let recipient = query.recipient { conditions.append("e.recipient = \(binds.bind(recipient))") }
        if let actor = query.actorID { conditions.append("e.actor_id = \(binds.bind(actor))") }
        if let purpose = query.purpose { conditions.append("e.purpose = \(binds.bind(purpose))") }
        if let actions = query.actions { conditions.append("e.action = ANY(\(binds.bind(actions.map(\.rawValue))))") }
        if let term = LedgerActionIndexes.term(for: query.actions, alias: "e") { conditions.append(term) }
        if lowest > 0 { conditions.append("e.idx >= \(binds.bind(lowest))") }
        if let highest { conditions.append("e.idx <= \(binds.bind(highest))") }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = binds.bind(max(1, min(query.limit, 100_000)))
        let statement = binds.query(
            "SELECT DISTINCT \(FieldLists.columns) FROM \(from) \(FieldLists.join) \(whereClause) ORDER BY e.idx LIMIT \(limit)"
        )
        return try await database.mapErrors { try await database.client.query(statement, logger: database.logger).collect().map(Self.stored) }
    }

    /// The first index whose time is ≥ `time` (or > it, when `strictly`); the log's size when there is none.
    /// Entry times never decrease along the log (the sequencer holds them back), so a time bound is an index
    /// bound, found by the server's binary search on the key (`casegate_ledger_first_index`).
    func firstIndex(atOrAfter time: String, strictly: Bool) async throws -> Int {
        try await database.mapErrors {
            try await database.client.query("SELECT casegate_ledger_first_index(\(time), \(strictly))", logger: database.logger)
                .collect().first?.decode(Int.self) ?? 0
        }
    }

    /// A row of `FieldLists.columns`: index, the entry's bytes, its leaf hash, where its list goes and the list.
    typealias StoredColumns = (Int, ByteBuffer, ByteBuffer, Int?, ByteBuffer?)

    /// An entry from a row of `FieldLists.columns`.
    static func stored(_ row: PostgresRow) throws -> StoredLedgerEntry {
        let (index, entry, leaf, listAt, list) = try row.decode(StoredColumns.self)
        return entry.withUnsafeReadableBytes { bytes in
            (list ?? ByteBuffer()).withUnsafeReadableBytes {
                FieldLists.rejoined(index: index, bytes: bytes, leafHash: Array(buffer: leaf), listAt: listAt, list: $0)
            }
        }
    }

    /// `buffer`'s readable bytes, nil for a NULL column.
    private static func withBytes<T>(of buffer: ByteBuffer?, _ body: (UnsafeRawBufferPointer?) -> T) -> T {
        guard let buffer else { return body(nil) }
        return buffer.withUnsafeReadableBytes { body($0) }
    }
}
