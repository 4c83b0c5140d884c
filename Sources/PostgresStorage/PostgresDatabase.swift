import Crypto
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Storage
import Synchronization

/// How `PostgresLedgerStore` wrote its batches since the database was opened.
package struct LedgerAppendCounts: Sendable, Equatable {
    /// In one round trip, the head as this process knew it (`casegate_ledger_append`).
    package var atKnownHead = 0
    /// Tried in one round trip, but another writer had appended or the change mark had moved: nothing
    /// was written, and the batch went on in a transaction.
    package var headMoved = 0
    /// In a transaction that reads the head first.
    package var inTransaction = 0
}

/// A connection pool to the shared database, migrated and checked against this
/// instance's master key when opened; and one to the key database when the data keys are kept apart.
public final class PostgresDatabase: Sendable {
    public let url: PostgresURL
    package let client: PostgresClient
    /// The database holding `casegate_keys` (the data keys): another database when `keyURL` is set, so that a
    /// backup of the case database never holds a key; else the case database itself (`client`).
    package let keyClient: PostgresClient
    public let keyURL: PostgresURL?
    /// Whether the data keys are in a database of their own (no join of cases and keys is possible then).
    public var keysApart: Bool { keyURL != nil }
    package let logger: Logger
    /// Ids of the ledger's stored field lists (see `PostgresLedgerStore`), once their transaction has committed.
    let fieldLists = FieldLists.Known()
    /// How the ledger's batches were written: for tests and for reading a load's behaviour.
    package let ledgerAppends = Mutex(LedgerAppendCounts())
    private let runner: Task<Void, Never>
    private let keyRunner: Task<Void, Never>?
    /// Loaded by `open` before it returns.
    private let loadedSecrets = Mutex<StoreSecrets?>(nil)
    /// Opened by `open` before it returns, from the check value the database recorded.
    private let loadedKeys = Mutex<MasterKeyRing?>(nil)
    private let keySource: MasterKeySource

    /// The master keys: the current one, and a rotation's next one once needed.
    public var masterKeys: MasterKeyRing {
        guard let keys = loadedKeys.withLock({ $0 }) else { preconditionFailure("PostgresDatabase.open loads the keys before returning") }
        return keys
    }

    /// The pseudonym root and party-index key, kept wrapped in `casegate_meta`.
    public var secrets: StoreSecrets {
        guard let secrets = loadedSecrets.withLock({ $0 }) else { preconditionFailure("PostgresDatabase.open loads the secrets before returning") }
        return secrets
    }

    private init(url: PostgresURL, keyURL: PostgresURL?, keySource: MasterKeySource, logger: Logger) throws {
        self.url = url
        self.keyURL = keyURL
        self.keySource = keySource
        self.logger = logger
        let client = PostgresClient(configuration: try url.clientConfiguration(), backgroundLogger: logger)
        self.client = client
        // Started at once, so the pool is running before the first query asks it for a connection.
        runner = Task.immediate { await client.run() }
        if let keyURL {
            let keyClient = PostgresClient(configuration: try keyURL.clientConfiguration(), backgroundLogger: logger)
            self.keyClient = keyClient
            keyRunner = Task.immediate { await keyClient.run() }
        } else {
            keyClient = client
            keyRunner = nil
        }
    }

    /// Connects, applies missing migrations (one instance at a time) and checks the master key.
    public static func open(
        url: PostgresURL,
        masterKey: MasterKey,
        logger: Logger = Logger(label: "casegate.postgres")
    ) async throws -> PostgresDatabase {
        try await open(url: url, keys: .fixed(masterKey), logger: logger)
    }

    /// Connects, applies missing migrations (one instance at a time) and opens the master keys `keys` names.
    /// With `keyDatabase`, the data keys live in that database (migrated likewise), never in the case database.
    public static func open(
        url: PostgresURL,
        keyDatabase: PostgresURL? = nil,
        keys: MasterKeySource,
        logger: Logger = Logger(label: "casegate.postgres")
    ) async throws -> PostgresDatabase {
        if let keyDatabase, keyDatabase.sameDatabase(as: url) {
            throw StorageError.keyDatabase(reason: "key_database names the case database itself (\(url)); name another database, or leave it unset")
        }
        let database = try PostgresDatabase(url: url, keyURL: keyDatabase, keySource: keys, logger: logger)
        do {
            // One plain connection first: an unreachable server or bad credentials fail at once, with the
            // server's reason, rather than after the pool's retries.
            try await database.dedicatedConnection().close()
            try await database.mapErrors { try await PostgresMigrations.migrate(database.client, logger: logger) }
            if let keyDatabase {
                try await database.dedicatedConnection(keyDatabase).close()
                try await database.mapErrors {
                    try await PostgresMigrations.migrate(
                        database.keyClient,
                        PostgresMigrations.keyDatabase,
                        table: "casegate_key_migrations",
                        logger: logger
                    )
                }
            }
            try await database.checkKeyPlace()
            let ring = try await database.openKeys()
            database.loadedKeys.withLock { $0 = ring }
            let secrets = try await database.loadSecrets()
            database.loadedSecrets.withLock { $0 = secrets }
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    public func close() async {
        runner.cancel()
        keyRunner?.cancel()
        await runner.value
        await keyRunner?.value
    }

    /// The store records where its data keys are when first opened; opening it with them elsewhere is
    /// refused, since every case would then look purged (or keys would be written where backups hold them).
    private func checkKeyPlace() async throws {
        let place = Data((keysApart ? "key-database" : "case-database").utf8)
        let recorded = try await mapErrors {
            try await client.query("SELECT value FROM casegate_meta WHERE name = 'data_keys_in'", logger: logger).collect().first?.decode(Data.self)
        }
        if let recorded {
            guard recorded != place else { return }
            throw StorageError.keyDatabase(
                reason: keysApart
                    ? "this store keeps its data keys in the case database; key_database must stay unset (docs/operating/postgresql.md says how to move them)"
                    : "this store keeps its data keys in a key database of their own; set key_database to it"
            )
        }
        let hasCases = try await mapErrors {
            try await client.query("SELECT EXISTS (SELECT 1 FROM cases)", logger: logger).collect().first?.decode(Bool.self) ?? false
        }
        if hasCases, keysApart {
            throw StorageError.keyDatabase(
                reason:
                    "this store keeps its data keys in the case database; key_database must stay unset (docs/operating/postgresql.md says how to move them)"
            )
        }
        try await mapErrors {
            try await client.query(
                "INSERT INTO casegate_meta (name, value) VALUES ('data_keys_in', \(place)) ON CONFLICT (name) DO NOTHING",
                logger: logger
            )
        }
    }

    /// The master keys for the check value the database recorded; the first instance records its key's.
    /// Any other key is refused, because cases sealed under one key cannot be read under another.
    private func openKeys() async throws -> MasterKeyRing {
        let recorded = try await mapErrors {
            try await client.query("SELECT value FROM casegate_meta WHERE name = 'master_key_check'", logger: logger).collect().first?.decode(
                Data.self
            )
        }
        let ring: MasterKeyRing
        switch keySource {
        case .fixed(let key): ring = MasterKeyRing([key])
        case .files(let keyFile, let nextFile): ring = try MasterKeyRing.open(keyFile: keyFile, nextFile: nextFile, recordedCheck: recorded)
        }
        let check = ring.current.checkValue
        let stored = try await mapErrors {
            try await client.query(
                """
                INSERT INTO casegate_meta (name, value) VALUES ('master_key_check', \(check))
                ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING value
                """,
                logger: logger
            ).collect().first?.decode(Data.self)
        }
        guard let stored, stored == check else {
            throw StorageError.masterKey(path: url.description, reason: "this master key is not the one the database was created with")
        }
        return ring
    }

    /// The store's own secrets: recorded ones unwrapped, or (first open) made and recorded in one
    /// transaction; an instance that loses a race to record them reads the winner's.
    private func loadSecrets() async throws -> StoreSecrets {
        try await transaction { connection in
            try await connection.query("LOCK TABLE casegate_meta IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            var recorded: [String: Data] = [:]
            let rows = try await connection.query("SELECT name, value FROM casegate_meta WHERE name = ANY(\(StoreSecrets.names))", logger: logger)
            for try await (name, value) in rows.decode((String, Data).self) { recorded[name] = value }
            let hasData =
                try await connection.query(
                    "SELECT EXISTS (SELECT 1 FROM cases) OR EXISTS (SELECT 1 FROM ledger_entries)",
                    logger: logger
                ).collect().first?.decode(Bool.self) ?? false
            let (secrets, toRecord) = try StoreSecrets.resolve(master: masterKeys.current, recorded: recorded, storeHasData: hasData)
            for (name, value) in toRecord {
                try await connection.query("INSERT INTO casegate_meta (name, value) VALUES (\(name), \(value))", logger: logger)
            }
            return secrets
        }
    }

    /// Whether a casegate store was set up in the database (it records its master key's check value):
    /// then only that key may open it, and no new key is made.
    public static func isSetUp(url: PostgresURL, logger: Logger = Logger(label: "casegate.postgres")) async throws -> Bool {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(),
                configuration: try url.connectionConfiguration(),
                id: 1,
                logger: logger
            ).get()
        } catch let error as PSQLError {
            throw StorageError.unavailable(reason: "cannot connect to \(url): \(error.underlying.map { "\($0)" } ?? describe(error))")
        }
        do {
            let table = try await connection.query("SELECT to_regclass('casegate_meta') IS NOT NULL", logger: logger).collect().first?.decode(
                Bool.self
            )
            var setUp = false
            if table == true {
                setUp = try await !connection.query("SELECT 1 FROM casegate_meta WHERE name = 'master_key_check'", logger: logger).collect().isEmpty
            }
            try await connection.close()
            return setUp
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Whether the server answers.
    public func isReady() async -> Bool {
        (try? await client.query("SELECT 1", logger: logger).collect()) != nil
    }

    /// A connection of its own, outside the pool: for locks held as long as a session lives.
    func dedicatedConnection(_ target: PostgresURL? = nil) async throws -> PostgresConnection {
        let url = target ?? self.url
        do {
            return try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(),
                configuration: try url.connectionConfiguration(),
                id: Int.random(in: 1...Int.max),
                logger: logger
            ).get()
        } catch let error as PSQLError where error.serverInfo == nil {
            throw StorageError.unavailable(reason: "cannot connect to \(url): \(error.underlying.map { "\($0)" } ?? "\(error.code)")")
        } catch let error as PSQLError {
            throw StorageError.unavailable(reason: Self.describe(error))
        }
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws (its error is rethrown as is).
    package func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(on: client, body)
    }

    /// Runs `body` in a transaction on the key database (the case database when keys are not apart).
    package func keyTransaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(on: keyClient, body)
    }

    private func transaction<T: Sendable>(on client: PostgresClient, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await mapErrors {
            do {
                return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            } catch let error as PostgresTransactionError {
                if let failure = error.closureError { throw failure }
                if let failure = error.beginError ?? error.commitError ?? error.rollbackError { throw failure }
                throw error
            }
        }
    }

    /// PostgreSQL's failures as `StorageError.unavailable` (with the SQLSTATE and server message, which name
    /// tables and keys, never case content); our own errors pass through.
    @discardableResult
    package func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            throw StorageError.unavailable(reason: Self.describe(error))
        } catch let error as PostgresDecodingError {
            throw StorageError.unavailable(reason: "PostgreSQL returned an unexpected column type: \(error.postgresType)")
        } catch let error as StorageError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch let error as ChannelError {
            throw StorageError.unavailable(reason: "PostgreSQL connection: \(error)")
        } catch  where String(reflecting: type(of: error)).contains("ConnectionPoolError") {
            // The pool's own error type is in an underscored module; it means no connection could be made.
            throw StorageError.unavailable(reason: "cannot connect to \(url)")
        }
    }

    /// Failures of the server, its disk or the connection (SQLSTATE classes 08, 53, 57, 58, XX), as opposed to a
    /// statement's own (a constraint, a missing row).
    static func isStorageFailure(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return true }
        return ["08", "53", "57", "58", "XX"].contains(String(state.prefix(2)))
    }

    static func describe(_ error: PSQLError) -> String {
        if let info = error.serverInfo {
            return "PostgreSQL \(info[.sqlState] ?? "?"): \(info[.message] ?? "no message")"
        }
        return "PostgreSQL: \(error.code)\(error.underlying.map { " (\($0))" } ?? "")"
    }
}

/// Where a database's master keys come from.
public enum MasterKeySource: Sendable {
    /// One key, held in memory (tests, copies).
    case fixed(MasterKey)
    /// The key file and a rotation's next-key file (`KeyFiles`), read as `MasterKeyRing.open` says.
    case files(key: URL, next: URL)
}

extension PostgresRowSequence {
    /// Every row, for results known to be small.
    func collect() async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in self { rows.append(row) }
        return rows
    }
}
