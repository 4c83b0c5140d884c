import ArgumentParser
import Foundation
import Gateway
import Ledger
import Storage

/// Where the data is, for commands that open the store directly.
struct StorageOptions: ParsableArguments {
    @Option(help: "Data directory (the master and ledger keys; the SQLite files unless --database-url is given).")
    var dataDir = "data"

    @Option(help: "A postgres:// URL when the gateway keeps its data in PostgreSQL (default: $CASEGATE_DATABASE_URL, else SQLite).")
    var databaseURL: String?

    @Option(help: "A postgres:// URL of the key database, when the store keeps its data keys apart (default: $CASEGATE_KEY_DATABASE_URL).")
    var keyDatabaseURL: String?

    var resolvedDatabaseURL: String? { databaseURL ?? ProcessInfo.processInfo.environment["CASEGATE_DATABASE_URL"] }
    var resolvedKeyDatabaseURL: String? { keyDatabaseURL ?? ProcessInfo.processInfo.environment["CASEGATE_KEY_DATABASE_URL"] }

    func open() async throws -> any StorageBackend {
        try await GatewayStorage.open(dataDirectory: dataDir, databaseURL: resolvedDatabaseURL, keyDatabaseURL: resolvedKeyDatabaseURL)
    }

    /// The store's ledger, signed with the key the store records (refused if the key file is another).
    func ledger(_ backend: any StorageBackend, origin: String) async throws -> Ledger {
        let key = try await LedgerKeySetup.open(dataDirectory: dataDir, origin: origin, storage: backend)
        return try await Ledger.open(store: backend.ledger, key: key, origin: origin, checkpointLog: CheckpointLog.inDataDirectory(dataDir))
    }

    /// Opens the store for `body` and closes it afterwards.
    func with<T>(_ body: (any StorageBackend) async throws -> T) async throws -> T {
        let backend = try await open()
        do {
            let result = try await body(backend)
            await backend.close()
            return result
        } catch {
            await backend.close()
            throw error
        }
    }
}
