import Foundation
import PostgresStorage
import SQLiteStorage
import Storage

/// Opens the store a configuration names: PostgreSQL for a `postgres://` URL, else the embedded
/// SQLite files (`keyDatabaseURL` puts PostgreSQL's data keys in a database of their own). The master key is
/// read as `KeyFiles` says: a systemd credential, or the data directory.
public enum GatewayStorage {
    public static func open(dataDirectory: String, databaseURL: String?, keyDatabaseURL: String? = nil) async throws -> any StorageBackend {
        let directory = URL(fileURLWithPath: dataDirectory)
        guard let databaseURL, !databaseURL.isEmpty else {
            return SQLiteBackend(database: try SQLiteDatabase(directory: directory))
        }
        let url = try PostgresURL(databaseURL)
        let keyFile = KeyFiles.masterKey(dataDirectory: directory)
        // A new key is made only for a new database: for one already set up it could read nothing.
        if !FileManager.default.fileExists(atPath: keyFile.path), try await PostgresDatabase.isSetUp(url: url) {
            throw StorageError.masterKey(
                path: keyFile.path,
                reason:
                    "is missing, and \(url) holds a store sealed under a master key: restore the key file (a new key could open none of its cases)"
            )
        }
        if !FileManager.default.fileExists(atPath: keyFile.path) { _ = try MasterKey.create(at: keyFile) }
        let keys = MasterKeySource.files(key: keyFile, next: KeyFiles.nextMasterKey(dataDirectory: directory))
        let keyDatabase = try keyDatabaseURL.flatMap { $0.isEmpty ? nil : try PostgresURL($0) }
        return PostgresBackend(database: try await PostgresDatabase.open(url: url, keyDatabase: keyDatabase, keys: keys))
    }
}
