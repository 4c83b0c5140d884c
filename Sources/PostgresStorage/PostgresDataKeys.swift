import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import Storage

/// The data keys in `casegate_keys.data_keys` (in the key database when kept apart), each with the id of
/// the master key that wrapped it.
struct PostgresDataKeys: DataKeyStore {
    let database: PostgresDatabase

    /// Stores new data keys on `connection` (in the caller's transaction), wrapped with the key the store names
    /// for writing. The `write_key` row is share-locked until the transaction ends, so a rotation's switch
    /// waits for this insert and every insert after the switch sees the new key.
    static func insert(_ keys: [SymmetricKey], for ids: [String], _ connection: PostgresConnection, _ database: PostgresDatabase) async throws {
        let writeKey =
            try await connection.query("SELECT value FROM casegate_keys.key_state WHERE name = 'write_key' FOR SHARE", logger: database.logger)
            .collect().first?.decode(Data?.self) ?? nil
        let master = try database.masterKeys.key(id: writeKey)
        let wrapped = try keys.map { ByteBuffer(data: try master.wrap($0)) }
        try await connection.query(
            """
            INSERT INTO casegate_keys.data_keys (case_id, wrapped_key, created_at, wrapped_by)
            SELECT id, key, now(), \(master.id) FROM unnest(\(ids)::text[], \(wrapped)::bytea[]) AS k(id, key)
            """,
            logger: database.logger
        )
    }

    func writeKeyID() async throws -> Data? {
        try await database.mapErrors {
            try await database.keyClient.query("SELECT value FROM casegate_keys.key_state WHERE name = 'write_key'", logger: database.logger)
                .collect().first?.decode(Data?.self) ?? nil
        }
    }

    func setWriteKeyID(_ id: Data) async throws {
        try await database.mapErrors {
            try await database.keyClient.query(
                "UPDATE casegate_keys.key_state SET value = \(id) WHERE name = 'write_key'",
                logger: database.logger
            )
        }
    }

    func dataKeys(after caseID: String?, limit: Int) async throws -> [WrappedDataKey] {
        try await database.mapErrors {
            var keys: [WrappedDataKey] = []
            let rows = try await database.keyClient.query(
                """
                SELECT case_id, wrapped_key, wrapped_by FROM casegate_keys.data_keys
                WHERE case_id > \(caseID ?? "") ORDER BY case_id LIMIT \(limit)
                """,
                logger: database.logger
            )
            for try await (id, wrapped, by) in rows.decode((String, Data, Data?).self) {
                keys.append(WrappedDataKey(caseID: id, wrapped: wrapped, wrappedBy: by))
            }
            return keys
        }
    }

    func replace(_ keys: [(caseID: String, old: Data, new: Data)], wrappedBy id: Data) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        let ids = keys.map(\.caseID)
        let old = keys.map { ByteBuffer(data: $0.old) }
        let new = keys.map { ByteBuffer(data: $0.new) }
        return try await database.keyTransaction { connection in
            try await connection.query(
                """
                UPDATE casegate_keys.data_keys d SET wrapped_key = r.new, wrapped_by = \(id)
                FROM unnest(\(ids)::text[], \(old)::bytea[], \(new)::bytea[]) AS r(case_id, old, new)
                WHERE d.case_id = r.case_id AND d.wrapped_key = r.old
                RETURNING d.case_id
                """,
                logger: database.logger
            ).collect().count
        }
    }

    func countNotWrapped(by id: Data) async throws -> Int {
        try await database.mapErrors {
            try await database.keyClient.query(
                "SELECT COUNT(*) FROM casegate_keys.data_keys WHERE wrapped_by IS DISTINCT FROM \(id)",
                logger: database.logger
            ).collect().first?.decode(Int.self) ?? 0
        }
    }
}

extension PostgresDataKeys {
    /// The wrapped data keys of these cases, from the key database (for stores whose keys are kept apart).
    static func wrapped(_ ids: [String], _ database: PostgresDatabase) async throws -> [String: Data] {
        guard !ids.isEmpty else { return [:] }
        return try await database.mapErrors {
            var keys: [String: Data] = [:]
            for try await row in try await database.keyClient.execute(WrappedKeysStatement(ids: ids), logger: database.logger) {
                keys[row.caseID] = row.wrappedKey
            }
            return keys
        }
    }
}
