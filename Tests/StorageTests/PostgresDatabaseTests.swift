import CasegateTestSupport
import Foundation
import Ledger
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

    @Test("an unreachable server is a precise error from the first connection, not the pool's retries", .timeLimit(.minutes(1)))
    func unreachableServer() async throws {
        let key = MasterKey(key: .init(size: .bits256))
        let error = await #expect(throws: StorageError.self) {
            _ = try await PostgresDatabase.open(url: try PostgresURL("postgres://casegate@127.0.0.1:1/none?sslmode=disable"), masterKey: key)
        }
        guard case .unavailable(let reason) = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        // The socket's own reason comes only from the plain connection `open` makes first; the pool would
        // retry and then say no more than "cannot connect". The time limit catches a pool retrying without end
        // without a wall-clock bound a loaded machine can miss (alone this takes milliseconds).
        #expect(reason.hasPrefix("cannot connect to PostgreSQL none at 127.0.0.1:1") && reason.contains("Connection refused"), "\(reason)")
    }

    @Test(
        "instances starting together migrate once, under the migration lock",
        .enabled(if: BackendKind.postgresURL != nil, "needs CASEGATE_TEST_POSTGRES_URL (scripts/test.sh sets it)")
    )
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

    @Test(
        "links from the earlier by-case index (keyed by case first) are carried into the bucketed one",
        .enabled(if: BackendKind.postgresURL != nil, "needs CASEGATE_TEST_POSTGRES_URL (scripts/test.sh sets it)")
    )
    func caseLinksCarriedOver() async throws {
        try await withStore(.postgres) { t in
            let ledger = try await Ledger.open(store: t.backend.ledger, key: LedgerStoreTests.key, origin: "test/ledger")
            for start in stride(from: 0, to: 9000, by: 1000) {
                _ = try await ledger.append(
                    (start..<start + 1000).map { LedgerDraft(actor: .system, action: .consultation, caseIDs: ["CASE-\($0 % 5)"]) }
                )
            }
            // The store as it was before v5: links keyed by case first, and v5 not yet applied.
            try await t.execute("CREATE TABLE ledger_entry_cases (case_id TEXT NOT NULL, idx BIGINT NOT NULL, PRIMARY KEY (case_id, idx))")
            try await t.execute("INSERT INTO ledger_entry_cases SELECT case_id, idx FROM ledger_case_links")
            try await t.execute("DROP TABLE ledger_case_links")
            try await t.execute("DELETE FROM schema_migrations WHERE name = 'v5-ledger-case-links'")
            let reopened = try await t.reopen()
            let found = try await reopened.ledger.query(LedgerQuery(caseIDs: ["CASE-2"], limit: 10_000)).map(\.index)
            #expect(found == (0..<9000).filter { $0 % 5 == 2 })
            #expect(try await t.integer("SELECT COUNT(DISTINCT bucket) FROM ledger_case_links") == 3)
            #expect(try await t.integer("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'ledger_entry_cases'") == 0)
            await reopened.close()
        }
    }
}
