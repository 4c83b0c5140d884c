import Foundation
import PostgresStorage
import SQLiteStorage
import Storage

/// Opens the store a configuration names: PostgreSQL for a `postgres://` URL, else the embedded
/// SQLite files. The master key is read as `KeyFiles` says: a systemd credential, or the data directory.
public enum GatewayStorage {
    public static func open(dataDirectory: String, databaseURL: String?) async throws -> any StorageBackend {
        let directory = URL(fileURLWithPath: dataDirectory)
        guard let databaseURL, !databaseURL.isEmpty else {
            return SQLiteBackend(database: try SQLiteDatabase(directory: directory))
        }
        let url = try PostgresURL(databaseURL)
        let masterKey = try MasterKey.loadOrCreate(at: KeyFiles.masterKey(dataDirectory: directory))
        return PostgresBackend(database: try await PostgresDatabase.open(url: url, masterKey: masterKey))
    }
}
