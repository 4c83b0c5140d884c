import ByteEncoding
import Crypto
import Foundation
import GRDB
import Storage

/// Per-case AES-256 data keys, stored wrapped (RFC 3394) by a master key, with the id of the master key
/// that wrapped each. Destroying a case's row here makes its sealed data unreadable everywhere.
struct KeyStore: Sendable {
    let pool: DatabasePool
    let reads: PointReaders
    let masterKeys: MasterKeyRing

    init(database: SQLiteDatabase) {
        self.pool = database.keys
        self.reads = database.keyReads
        self.masterKeys = database.masterKeys
    }

    /// Makes and stores a new data key for a case.
    func createKey(for caseID: UUID) throws -> SymmetricKey {
        try createKeys(for: [caseID])[0]
    }

    /// Makes and stores data keys for many cases in one transaction, wrapped with the key the store names
    /// for writing (read in the same transaction, so a rotation's switch is never missed).
    func createKeys(for caseIDs: [UUID]) throws -> [SymmetricKey] {
        let keys = caseIDs.map { _ in SymmetricKey(size: .bits256) }
        try pool.write { db in
            let master = try masterKeys.key(id: try Self.writeKeyID(db))
            let now = Date()
            for (id, key) in zip(caseIDs, keys) {
                try db.execute(
                    sql: "INSERT INTO data_keys (case_id, wrapped_key, created_at, wrapped_by) VALUES (?, ?, ?, ?)",
                    arguments: [id.text, try master.wrap(key), now, master.id]
                )
            }
        }
        return keys
    }

    /// Destroys data keys: what makes a purge a crypto-shred. Returns how many existed.
    @discardableResult
    func destroyKeys(for caseIDs: [String]) throws -> Int {
        guard !caseIDs.isEmpty else { return 0 }
        return try pool.write { db in
            var destroyed = 0
            // In chunks well under SQLite's limit on bound parameters.
            for start in stride(from: 0, to: caseIDs.count, by: 5000) {
                let chunk = Array(caseIDs[start..<min(start + 5000, caseIDs.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                try db.execute(sql: "DELETE FROM data_keys WHERE case_id IN (\(marks))", arguments: StatementArguments(chunk))
                destroyed += db.changesCount
            }
            return destroyed
        }
    }

    func key(for caseID: UUID) throws -> SymmetricKey {
        try key(for: caseID.text)
    }

    /// By the id's text form (`UUID.text`), the key column's own.
    func key(for caseID: String) throws -> SymmetricKey {
        let wrapped = try reads.read { db in
            var read = RawBindings(try db.cachedStatement(sql: "SELECT wrapped_key FROM data_keys WHERE case_id = ?"), in: db)
            read.bind(caseID)
            return try read.firstRow { Data(RawBindings.blob($0, 0)) }
        }
        guard let wrapped else { throw StorageError.dataKeyMissing(caseID: caseID) }
        return try masterKeys.unwrap(wrapped)
    }

    private static func writeKeyID(_ db: Database) throws -> Data? {
        try Data.fetchOne(db, sql: "SELECT value FROM key_state WHERE name = 'write_key'")
    }
}

extension KeyStore: DataKeyStore {
    func writeKeyID() async throws -> Data? {
        try await pool.read { db in try Self.writeKeyID(db) }
    }

    func setWriteKeyID(_ id: Data) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO key_state (name, value) VALUES ('write_key', ?)", arguments: [id])
        }
    }

    func dataKeys(after caseID: String?, limit: Int) async throws -> [WrappedDataKey] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT case_id, wrapped_key, wrapped_by FROM data_keys WHERE case_id > ? ORDER BY case_id LIMIT ?",
                arguments: [caseID ?? "", limit]
            ).map { WrappedDataKey(caseID: $0["case_id"], wrapped: $0["wrapped_key"], wrappedBy: $0["wrapped_by"]) }
        }
    }

    func replace(_ keys: [(caseID: String, old: Data, new: Data)], wrappedBy id: Data) async throws -> Int {
        try await pool.write { db in
            var replaced = 0
            for key in keys {
                try db.execute(
                    sql: "UPDATE data_keys SET wrapped_key = ?, wrapped_by = ? WHERE case_id = ? AND wrapped_key = ?",
                    arguments: [key.new, id, key.caseID, key.old]
                )
                replaced += db.changesCount
            }
            return replaced
        }
    }

    func countNotWrapped(by id: Data) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM data_keys WHERE wrapped_by IS NOT ?", arguments: [id]) ?? 0
        }
    }
}
