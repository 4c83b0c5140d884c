import Crypto
import Foundation
import GRDB
import Storage

/// Per-case AES-256 data keys, stored wrapped (RFC 3394) by the master key.
/// Destroying a case's row here makes its sealed data unreadable everywhere.
struct KeyStore: Sendable {
    let pool: DatabasePool
    let reads: PointReaders
    let masterKey: MasterKey

    init(database: SQLiteDatabase) {
        self.pool = database.keys
        self.reads = database.keyReads
        self.masterKey = database.masterKey
    }

    /// Makes and stores a new data key for a case.
    func createKey(for caseID: UUID) throws -> SymmetricKey {
        let key = SymmetricKey(size: .bits256)
        let wrapped = try masterKey.wrap(key)
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO data_keys (case_id, wrapped_key, created_at) VALUES (?, ?, ?)",
                arguments: [caseID.uuidString, wrapped, Date()]
            )
        }
        return key
    }

    /// Makes and stores data keys for many cases in one transaction.
    func createKeys(for caseIDs: [UUID]) throws -> [SymmetricKey] {
        let keys = caseIDs.map { _ in SymmetricKey(size: .bits256) }
        let wrapped = try keys.map { try masterKey.wrap($0) }
        try pool.write { db in
            let now = Date()
            for (id, blob) in zip(caseIDs, wrapped) {
                try db.execute(
                    sql: "INSERT INTO data_keys (case_id, wrapped_key, created_at) VALUES (?, ?, ?)",
                    arguments: [id.uuidString, blob, now]
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
        try key(for: caseID.uuidString)
    }

    /// By the id's text form (`UUID.uuidString`), the key column's own.
    func key(for caseID: String) throws -> SymmetricKey {
        let wrapped = try reads.read { db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT wrapped_key FROM data_keys WHERE case_id = ?"), arguments: [caseID])
        }
        guard let wrapped else { throw StorageError.dataKeyMissing(caseID: caseID) }
        return try masterKey.unwrap(wrapped)
    }
}
