import CasegateTestSupport
import Foundation
import PostgresStorage
import Storage
import Testing

@Suite("PostgreSQL: addresses, migrations, master key check")
struct PostgresDatabaseTests {
    @Test func parsesDatabaseURLs() throws {
        let url = try PostgresURL("postgres://gateway:s%40cret@db.internal:6432/casegate?sslmode=require")
        #expect(url.host == "db.internal" && url.port == 6432 && url.username == "gateway" && url.password == "s@cret")
        #expect(url.database == "casegate" && url.sslMode == .require)
        #expect(url.description == "PostgreSQL casegate at db.internal:6432", "no password in log lines")
        #expect(try PostgresURL("postgresql://u@h/d").sslMode == .prefer)
        #expect(throws: PostgresURL.ParseError.notAPostgresURL) { try PostgresURL("mysql://u@h/d") }
        #expect(throws: PostgresURL.ParseError.missing("database name")) { try PostgresURL("postgres://u@h") }
        #expect(throws: PostgresURL.ParseError.missing("user name")) { try PostgresURL("postgres://h/d") }
        #expect(throws: PostgresURL.ParseError.badSSLMode("verify-full")) { try PostgresURL("postgres://u@h/d?sslmode=verify-full") }
    }

    @Test("an unreachable server is a prompt, precise error, not a hang")
    func unreachableServer() async throws {
        let started = ContinuousClock.now
        let key = MasterKey(key: .init(size: .bits256))
        await #expect(throws: StorageError.self) {
            _ = try await PostgresDatabase.open(url: try PostgresURL("postgres://casegate@127.0.0.1:1/none?sslmode=disable"), masterKey: key)
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("instances starting together migrate once, under the migration lock",
          .enabled(if: BackendKind.postgresURL != nil, "needs CASEGATE_TEST_POSTGRES_URL (scripts/test.sh sets it)"))
    func concurrentMigrations() async throws {
        let first = try await TestBackend.make(.postgres)
        // A fresh database: drop what the first open made, then start six instances at once.
        try await first.execute("DROP SCHEMA public CASCADE")
        try await first.execute("CREATE SCHEMA public")
        try await first.execute("DROP SCHEMA casegate_keys CASCADE")
        let url = try PostgresURL(first.databaseURL!)
        let key = first.backend.masterKey
        let opened = try await withThrowingTaskGroup(of: PostgresDatabase.self) { group in
            for _ in 0..<6 { group.addTask { try await PostgresDatabase.open(url: url, masterKey: key) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(opened.count == 6)
        let users = PostgresBackend(database: opened[5]).users
        _ = try await users.add(name: "After Migration", role: .admin)
        #expect(try await PostgresBackend(database: opened[0]).users.list().count == 1)
        for database in opened { await database.close() }
        await first.remove()
    }
}
