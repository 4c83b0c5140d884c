import CaseModel
import CasegateTestSupport
import Foundation
import PostgresNIO
import PostgresStorage
import Storage
import Testing

/// PostgreSQL's `key_database`: the data keys in a database of their own, so that a backup of the case
/// database never holds a key and a purge's crypto-shred reaches every such backup.
@Suite(
    "PostgreSQL: data keys in a key database of their own",
    .enabled(if: BackendKind.postgresURL != nil, "needs CASEGATE_TEST_POSTGRES_URL (scripts/test.sh sets it)")
)
struct KeyDatabaseTests {
    /// A case database and a key database, both new, and the master key for them.
    struct Pair {
        let cases: String
        let keys: String
        let masterKey = MasterKey(key: .init(size: .bits256))

        static func make() async throws -> Pair { Pair(cases: try await TestBackend.createDatabase(), keys: try await TestBackend.createDatabase()) }

        func open(keysApart: Bool = true) async throws -> PostgresBackend {
            PostgresBackend(
                database: try await PostgresDatabase.open(
                    url: try PostgresURL(cases),
                    keyDatabase: keysApart ? try PostgresURL(keys) : nil,
                    keys: .fixed(masterKey)
                )
            )
        }

        func count(_ sql: String, in url: String) async throws -> Int {
            var value = 0
            try await TestBackend.withAdminConnection(database: try PostgresURL(url).database) { connection in
                value = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: .init(label: "test")).collect().first?.decode(Int.self) ?? 0
            }
            return value
        }

        func remove() async {
            await TestBackend.dropDatabase(cases)
            await TestBackend.dropDatabase(keys)
        }
    }

    @Test("cases are created, read, amended, listed and searched with their keys only in the key database")
    func roundTrip() async throws {
        let pair = try await Pair.make()
        let backend = try await pair.open()
        let store = backend.cases(clock: testClock)
        let made = try await store.createMany([sampleCase(name: "Ottoline Brackenbury"), sampleCase(name: "Second Person")])
        #expect(try await store.get(made[0].id)?.parties[0].name == "Ottoline Brackenbury")
        let amended = try await store.update(made[1].id) { $0.narrative = "Amended." }
        #expect(amended.narrative == "Amended.")
        let page = try await store.list(CaseQuery(limit: 1))
        #expect(page.cases.count == 1 && page.nextCursor != nil)
        let rest = try await store.list(CaseQuery(limit: 1, cursor: page.nextCursor))
        #expect(Set((page.cases + rest.cases).map(\.id)) == Set(made.map(\.id)))
        #expect(try await store.caseIDs(partyName: "Ottoline Brackenbury", dateOfBirth: CalendarDate("1961-03-14")) == [made[0].id])

        #expect(try await pair.count("SELECT COUNT(*) FROM casegate_keys.data_keys", in: pair.cases) == 0, "no key in the case database")
        #expect(try await pair.count("SELECT COUNT(*) FROM casegate_keys.data_keys", in: pair.keys) == 2)
        await backend.close()
        await pair.remove()
    }

    @Test("a pg_dump of the case database taken before a purge cannot be read after it; with keys in the case database it could")
    func dumpBeforePurge() async throws {
        let pgDump = try #require(Self.postgresTool("pg_dump"), "pg_dump (Debian's postgresql package)")
        let psql = try #require(Self.postgresTool("psql"))
        for apart in [true, false] {
            let pair = try await Pair.make()
            let backend = try await pair.open(keysApart: apart)
            let made = try await backend.cases(clock: testClock).create(sampleCase(name: "Ottoline Brackenbury"))
            let dump = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-dump-\(UUID().uuidString).sql")
            try Self.run(pgDump, ["--dbname", Self.libpqURL(pair.cases), "--file", dump.path])
            // The purge's crypto-shred: the case's data key destroyed (as a retention sweep or an erasure does).
            try await backend.retention.destroyKeys([made.id.uuidString])
            await backend.close()

            // The old dump restored into a new database and opened with the same master key and key database.
            let restored = try await TestBackend.createDatabase()
            try Self.run(psql, ["--quiet", "--dbname", Self.libpqURL(restored), "--file", dump.path])
            let reader = PostgresBackend(
                database: try await PostgresDatabase.open(
                    url: try PostgresURL(restored),
                    keyDatabase: apart ? try PostgresURL(pair.keys) : nil,
                    keys: .fixed(pair.masterKey)
                )
            )
            let store = reader.cases(clock: testClock)
            if apart {
                await #expect(throws: StorageError.dataKeyMissing(caseID: made.id.uuidString)) { _ = try await store.get(made.id) }
            } else {
                #expect(try await store.get(made.id)?.parties[0].name == "Ottoline Brackenbury", "a dump that holds the keys undoes the shred")
            }
            await reader.close()
            try? FileManager.default.removeItem(at: dump)
            await TestBackend.dropDatabase(restored)
            await pair.remove()
        }
    }

    @Test("a key database that is the case database, or a store opened with its keys elsewhere than it keeps them, is refused")
    func refusals() async throws {
        let pair = try await Pair.make()
        await #expect(throws: StorageError.self) {
            _ = try await PostgresDatabase.open(
                url: try PostgresURL(pair.cases),
                keyDatabase: try PostgresURL(pair.cases),
                keys: .fixed(pair.masterKey)
            )
        }
        let apart = try await pair.open()
        _ = try await apart.cases(clock: testClock).create(sampleCase())
        await apart.close()
        let error = await #expect(throws: StorageError.self) { _ = try await pair.open(keysApart: false) }
        #expect(error?.description.contains("set key_database") == true, "\(String(describing: error))")

        let other = try await Pair.make()
        let together = try await other.open(keysApart: false)
        _ = try await together.cases(clock: testClock).create(sampleCase())
        await together.close()
        let refused = await #expect(throws: StorageError.self) { _ = try await other.open(keysApart: true) }
        #expect(refused?.description.contains("key_database must stay unset") == true, "\(String(describing: refused))")
        await pair.remove()
        await other.remove()
    }

    /// A PostgreSQL client program from Debian's package (not on PATH there).
    static func postgresTool(_ name: String) -> String? {
        let candidates = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted(by: >) ?? []
        return candidates.map { "/usr/lib/postgresql/\($0)/bin/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// libpq takes the URL without our `sslmode` spelling differences; the test server is loopback without TLS.
    static func libpqURL(_ url: String) -> String {
        var components = URLComponents(string: url)!
        components.queryItems = [URLQueryItem(name: "sslmode", value: "disable")]
        return components.string!
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad, userInfo: [NSFilePathErrorKey: tool]) }
    }
}
