import Foundation
import GRDB
import Logging
import PostgresNIO
import PostgresStorage
import SQLiteStorage
import Storage

/// The stores a storage-level test runs against: SQLite always, and PostgreSQL when
/// `CASEGATE_TEST_POSTGRES_URL` names a server (`.ci/run` starts one). Each test gets
/// an empty database of its own.
public enum BackendKind: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    public static let postgresURL = ProcessInfo.processInfo.environment["CASEGATE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// SQLite, plus PostgreSQL when a test server is configured.
    public static var available: [BackendKind] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    public var description: String { rawValue }
}

/// A fresh store: a temporary directory (the SQLite files, or just the master key) and, for PostgreSQL, a new
/// database on the test server. `remove()` drops both.
public final class TestBackend: Sendable {
    public let kind: BackendKind
    public let directory: URL
    public let backend: any StorageBackend
    /// For PostgreSQL: the URL of this test's own database.
    public let databaseURL: String?

    public static func make(_ kind: BackendKind) async throws -> TestBackend {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        switch kind {
        case .sqlite:
            return TestBackend(
                kind: kind,
                directory: directory,
                backend: SQLiteBackend(database: try SQLiteDatabase(directory: directory)),
                databaseURL: nil
            )
        case .postgres:
            let url = try await createDatabase()
            _ = try MasterKey.create(at: KeyFiles.masterKey(dataDirectory: directory, environment: [:]))
            let backend = PostgresBackend(database: try await PostgresDatabase.open(url: try PostgresURL(url), keys: keySource(directory)))
            return TestBackend(kind: kind, directory: directory, backend: backend, databaseURL: url)
        }
    }

    /// Another process's view of the same store: its own connections (or file handles), the same data.
    public func reopen() async throws -> any StorageBackend {
        switch kind {
        case .sqlite:
            return SQLiteBackend(database: try SQLiteDatabase(directory: directory))
        case .postgres:
            return PostgresBackend(database: try await PostgresDatabase.open(url: try PostgresURL(databaseURL!), keys: Self.keySource(directory)))
        }
    }

    /// The master key in the data directory, and a rotation's next key beside it, as the gateway reads them.
    static func keySource(_ directory: URL) -> MasterKeySource {
        .files(key: KeyFiles.masterKey(dataDirectory: directory, environment: [:]), next: KeyFiles.nextMasterKey(dataDirectory: directory))
    }

    private init(kind: BackendKind, directory: URL, backend: any StorageBackend, databaseURL: String?) {
        self.kind = kind
        self.directory = directory
        self.backend = backend
        self.databaseURL = databaseURL
    }

    /// Runs SQL on the store behind the gateway's back (to tamper, or to look at what is stored).
    public func execute(_ sql: String) async throws {
        switch kind {
        case .sqlite:
            try await sqliteRun(sql)
        case .postgres:
            try await withAdminConnection(database: try PostgresURL(databaseURL!).database) { connection in
                _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).collect()
            }
        }
    }

    /// The one whole number a query returns (a count, a length), read behind the gateway's back.
    public func integer(_ sql: String) async throws -> Int {
        switch kind {
        case .sqlite:
            let queue = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteDatabase.caseFileName).path)
            defer { try? queue.close() }
            return try await queue.read { db in try Int.fetchOne(db, sql: sql) } ?? 0
        case .postgres:
            var value = 0
            try await withAdminConnection(database: try PostgresURL(databaseURL!).database) { connection in
                value = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).collect().first?.decode(Int?.self) ?? 0
            }
            return value
        }
    }

    /// Every byte the store keeps: the SQLite files, or every row of every table as PostgreSQL prints it.
    public func rawContents() async throws -> Data {
        switch kind {
        case .sqlite:
            var all = Data()
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.contains(".sqlite") {
                all += try Data(contentsOf: directory.appendingPathComponent(name))
            }
            return all
        case .postgres:
            var all = Data()
            try await withAdminConnection(database: try PostgresURL(databaseURL!).database) { connection in
                let columns = try await connection.query(
                    """
                    SELECT quote_ident(table_schema) || '.' || quote_ident(table_name), quote_ident(column_name), data_type = 'bytea'
                    FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
                    """,
                    logger: Self.logger
                ).collect().map { try $0.decode((String, String, Bool).self) }
                for (table, column, binary) in columns {
                    // bytea as escaped text: printable bytes stay as they are, so hidden plaintext shows.
                    let value = binary ? "encode(\(column), 'escape')" : "\(column)::text"
                    let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(value) FROM \(table)"), logger: Self.logger).collect()
                    for row in rows { all += Data(((try row.decode(String?.self)) ?? "").utf8) }
                }
            }
            return all
        }
    }

    /// Closes the store and deletes what it made.
    public func remove() async {
        await backend.close()
        try? FileManager.default.removeItem(at: directory)
        if let databaseURL { await Self.dropDatabase(databaseURL) }
    }

    static let logger = Logger(label: "casegate.tests.postgres")

    /// Drops a database made by `createDatabase`.
    public static func dropDatabase(_ url: String) async {
        guard let name = try? PostgresURL(url).database else { return }
        try? await withAdminConnection(database: nil) { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger).collect()
        }
    }

    /// A new, empty database on the test server; its URL.
    public static func createDatabase() async throws -> String {
        let name = "casegate_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await withAdminConnection(database: nil) { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger).collect()
        }
        var url = URLComponents(string: BackendKind.postgresURL!)!
        url.path = "/" + name
        return url.string!
    }

    private func withAdminConnection(database: String?, _ body: (PostgresConnection) async throws -> Void) async throws {
        try await Self.withAdminConnection(database: database, body)
    }

    /// A plain connection to the test server (its configured database unless another is named).
    public static func withAdminConnection(database: String?, _ body: (PostgresConnection) async throws -> Void) async throws {
        var url = try PostgresURL(BackendKind.postgresURL!)
        if let database { url.database = database }
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: url.host,
                port: url.port,
                username: url.username,
                password: url.password,
                database: url.database,
                tls: .disable
            ),
            id: 1,
            logger: logger
        )
        do {
            try await body(connection)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func sqliteRun(_ sql: String) async throws {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteDatabase.caseFileName).path)
        // Outside a transaction, so a PRAGMA (foreign keys off, say) takes effect.
        try await queue.writeWithoutTransaction { db in try db.execute(sql: sql) }
        try queue.close()
    }
}

extension PostgresRowSequence {
    func collect() async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in self { rows.append(row) }
        return rows
    }
}

/// Writes a key file as casegate does: mode 0600 (a looser file is refused).
public func writeKeyFile(_ data: Data, to url: URL) throws {
    try data.write(to: url)
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
}
