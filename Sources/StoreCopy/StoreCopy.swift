import Crypto
import Foundation
import GRDB
import Ledger
import PostgresNIO
import PostgresStorage
import SQLiteStorage
import Storage

/// Copies an embedded (SQLite) store into an empty PostgreSQL database: every table of the case and key
/// databases, row for row, the ledger's entries byte for byte with their checkpoints and tile roots.
///
/// The copy is generic over the schemas: each SQLite table is copied to the PostgreSQL table of the same
/// name (the key database's `data_keys` to `casegate_keys.data_keys`), and the two must have the same
/// columns, so a target of another schema version is refused before anything is written. Rows go in
/// batches, each in a transaction of its own, in primary-key order, inserted only where absent: an
/// interrupted copy is resumed by running it again. A marker in the target's `casegate_meta` names the
/// source, so a target holding anything else is refused as not empty.
public struct StoreCopy: Sendable {
    public let source: SQLiteDatabase
    public let target: PostgresStorage.PostgresDatabase
    /// Rows a batch holds at most (fewer for wide tables: PostgreSQL binds at most 65,535 values).
    public var batchRows = 1000

    public init(source: SQLiteDatabase, target: PostgresStorage.PostgresDatabase) {
        self.source = source
        self.target = target
    }

    /// What one table's copy did.
    public struct TableReport: Sendable, Equatable {
        public var table: String
        public var sourceRows: Int
        public var copiedRows: Int
    }

    public struct Report: Sendable {
        public var tables: [TableReport]
        /// True when an earlier, interrupted copy was resumed.
        public var resumed: Bool
        public var ledgerSize: Int
    }

    /// Tables the copy leaves alone: SQLite's own, GRDB's migration record, the change mark (the
    /// target keeps its own, moved by its own triggers) and the key rotation's state (a copy starts with
    /// every data key wrapped by the current key: `run` refuses a store mid-rotation).
    static let skipped: Set = ["sqlite_sequence", "grdb_migrations", "case_changes", "key_state"]
    /// Target tables whose content the copy checks before it starts: anything there that this copy did not put there means "not empty".
    static let contentTables = ["cases", "staff_users", "ledger_entries", "legal_holds", "retention_sweeps", "casegate_keys.data_keys"]
    static let markerName = "store_copy"
    static let referenced = ["ledger_field_lists", "staff_users", "cases"]

    /// Copies everything; `stopAfterBatches` ends the copy early (as a crash would), for tests.
    public func run(stopAfterBatches: Int? = nil, progress: @Sendable (TableReport) -> Void = { _ in }) async throws -> Report {
        let sourceID = try await sourceIdentity()
        let backend = SQLiteBackend(database: source)
        if let writing = try await backend.dataKeys.writeKeyID(), writing != source.masterKeys.current.id {
            throw StoreCopyError.rotationUnfinished
        }
        let resumed = try await claimTarget(sourceID: sourceID)
        let sizeBefore = try await ledgerSize()
        var reports: [TableReport] = []
        var batches = 0
        for table in try await sourceTables() {
            let plan = try await plan(table)
            var report = TableReport(table: plan.target, sourceRows: 0, copiedRows: 0)
            var after: [DatabaseValue]?
            while true {
                if let stopAfterBatches, batches >= stopAfterBatches { throw StoreCopyError.stopped }
                let rows = try await readBatch(plan, after: after)
                if rows.isEmpty { break }
                report.sourceRows += rows.count
                report.copiedRows += try await write(plan, rows)
                after = plan.key.map { rows.last?[$0] ?? .null }
                batches += 1
                progress(report)
            }
            try await afterTable(plan)
            reports.append(report)
        }
        guard try await ledgerSize() == sizeBefore else { throw StoreCopyError.sourceChanged }
        try await setMarker(sourceID: sourceID, state: "done")
        return Report(tables: reports, resumed: resumed, ledgerSize: sizeBefore)
    }

    // MARK: The source

    /// A table as the copy reads and writes it.
    struct Plan {
        var database: DatabasePool
        var source: String
        var target: String
        var columns: [String]
        /// PostgreSQL's type of each column, by name.
        var types: [String: String]
        /// The columns rows are ordered and resumed by (the primary key, or SQLite's rowid).
        var key: [String]
    }

    func sourceTables() async throws -> [(DatabasePool, String)] {
        var tables: [(DatabasePool, String)] = []
        for database in [source.cases, source.keys] {
            let names = try await database.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            }
            tables += names.filter { !Self.skipped.contains($0) }.map { (database, $0) }
        }
        // Tables others refer to first, so their foreign keys hold batch by batch.
        return tables.sorted { (Self.referenced.firstIndex(of: $0.1) ?? Int.max) < (Self.referenced.firstIndex(of: $1.1) ?? Int.max) }
    }

    func plan(_ table: (DatabasePool, String)) async throws -> Plan {
        let (database, name) = table
        let target = name == "data_keys" ? "casegate_keys.data_keys" : name
        let info = try await database.read { db in
            try Row.fetchAll(db, sql: "PRAGMA table_info(\(name.quotedDatabaseIdentifier))").map { (name: $0["name"] as String, pk: $0["pk"] as Int) }
        }
        let columns = info.map(\.name)
        let primaryKey = info.filter { $0.pk > 0 }.sorted { $0.pk < $1.pk }.map(\.name)
        let types = try await targetColumns(target)
        guard !types.isEmpty else { throw StoreCopyError.schemaMismatch(table: target, detail: "the target has no such table") }
        let expected = Set(columns).union(name == "ledger_field_lists" ? ["digest"] : [])
        guard Set(types.keys) == expected else {
            throw StoreCopyError.schemaMismatch(
                table: target,
                detail:
                    "the source has columns \(columns.sorted().joined(separator: ", ")); the target \(types.keys.sorted().joined(separator: ", "))"
            )
        }
        return Plan(
            database: database,
            source: name,
            target: target,
            columns: columns,
            types: types,
            key: primaryKey.isEmpty ? ["rowid"] : primaryKey
        )
    }

    /// Up to a batch of rows after `after` (key values), each as its values by column name.
    func readBatch(_ plan: Plan, after: [DatabaseValue]?) async throws -> [[String: DatabaseValue]] {
        let keyList = plan.key.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
        let selected = (plan.key == ["rowid"] ? ["rowid"] : []) + plan.columns
        var sql = "SELECT \(selected.map(\.quotedDatabaseIdentifier).joined(separator: ", ")) FROM \(plan.source.quotedDatabaseIdentifier)"
        var arguments: [DatabaseValue] = []
        if let after {
            sql += " WHERE (\(keyList)) > (\(plan.key.map { _ in "?" }.joined(separator: ", ")))"
            arguments = after
        }
        sql += " ORDER BY \(keyList) LIMIT \(rowsPerBatch(plan))"
        let (statement, values) = (sql, arguments)
        return try await plan.database.read { db in
            try Row.fetchAll(db, sql: statement, arguments: StatementArguments(values)).map { row in
                Dictionary(uniqueKeysWithValues: row.columnNames.map { ($0, row[$0] as DatabaseValue) })
            }
        }
    }

    private func rowsPerBatch(_ plan: Plan) -> Int {
        max(1, min(batchRows, 60_000 / (plan.columns.count + 1)))
    }

    func ledgerSize() async throws -> Int {
        try await source.cases.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger_entries") ?? 0 }
    }

    /// The source's ledger, named by its first entry's leaf hash (or "empty"): what the marker records.
    func sourceIdentity() async throws -> String {
        let first = try await source.cases.read { db in try Data.fetchOne(db, sql: "SELECT leaf_hash FROM ledger_entries WHERE idx = 0") }
        return first.map { "ledger:" + Array($0).map { String(format: "%02x", $0) }.joined() } ?? "empty"
    }

    // MARK: The target

    func targetColumns(_ table: String) async throws -> [String: String] {
        let parts = table.split(separator: ".").map(String.init)
        let (schema, name) = parts.count == 2 ? (parts[0], parts[1]) : ("public", parts[0])
        let rows = try await client(for: table).query(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = \(schema) AND table_name = \(name)",
            logger: target.logger
        )
        var columns: [String: String] = [:]
        for try await (column, type) in rows.decode((String, String).self) { columns[column] = type }
        return columns
    }

    /// Takes the target for this source: empty, or holding an unfinished (or finished) copy of it.
    /// Returns whether an earlier copy is being resumed.
    func claimTarget(sourceID: String) async throws -> Bool {
        let marker = try await target.client.query(
            "SELECT convert_from(value, 'UTF8') FROM casegate_meta WHERE name = \(Self.markerName)",
            logger: target.logger
        ).collect().first?.decode(String.self)
        if let marker {
            let parts = marker.split(separator: " ").map(String.init)
            guard parts.first == sourceID else {
                throw StoreCopyError.targetNotEmpty(detail: "it holds a copy of another store (\(parts.first ?? "?"))")
            }
            return true
        }
        for table in Self.contentTables {
            let count =
                try await client(for: table).query(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), logger: target.logger)
                .collect().first?.decode(Int.self) ?? 0
            guard count == 0 else { throw StoreCopyError.targetNotEmpty(detail: "\(table) has \(count) rows") }
        }
        try await setMarker(sourceID: sourceID, state: "copying")
        return false
    }

    func setMarker(sourceID: String, state: String) async throws {
        let value = ByteBuffer(string: "\(sourceID) \(state)")
        try await target.client.query(
            """
            INSERT INTO casegate_meta (name, value) VALUES (\(Self.markerName), \(value))
            ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value
            """,
            logger: target.logger
        )
    }

    /// Inserts a batch in one transaction, leaving rows already there (a resumed copy); returns how many were new.
    func write(_ plan: Plan, _ rows: [[String: DatabaseValue]]) async throws -> Int {
        var bindings = PostgresBindings()
        var tuples: [String] = []
        let columns = plan.columns + (plan.source == "ledger_field_lists" ? ["digest"] : [])
        for row in rows {
            var placeholders: [String] = []
            for column in plan.columns {
                try Self.bind(row[column] ?? .null, as: plan.types[column] ?? "text", column: column, table: plan.target, to: &bindings)
                placeholders.append("$\(bindings.count)")
            }
            if plan.source == "ledger_field_lists" {
                let list = row["list"].flatMap { Data.fromDatabaseValue($0) } ?? Data()
                bindings.append(ByteBuffer(bytes: SHA256.hash(data: list)))
                placeholders.append("$\(bindings.count)")
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        // The store's records (key check, ledger key, its own secrets) replace what opening the empty target
        // recorded: the copy must keep the source's pseudonyms and party index. Every other row is left if present.
        let conflict = plan.source == "casegate_meta" ? "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value" : "ON CONFLICT DO NOTHING"
        let sql = """
            INSERT INTO \(plan.target) (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", ")) \(conflict) RETURNING 1
            """
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        let insert = { @Sendable (connection: PostgresConnection) in
            try await connection.query(query, logger: target.logger).collect().count
        }
        return plan.target.hasPrefix("casegate_keys.") ? try await target.keyTransaction(insert) : try await target.transaction(insert)
    }

    /// The target's key tables are in its key database when it keeps keys apart.
    func client(for table: String) -> PostgresClient {
        table.hasPrefix("casegate_keys.") ? target.keyClient : target.client
    }

    /// Sequences follow the copied ids, so the next id the target makes is new.
    func afterTable(_ plan: Plan) async throws {
        guard plan.source == "ledger_field_lists" else { return }
        try await target.client.query(
            "SELECT setval(pg_get_serial_sequence('ledger_field_lists', 'id'), GREATEST(COALESCE((SELECT MAX(id) FROM ledger_field_lists), 1), 1))",
            logger: target.logger
        )
    }

    /// A SQLite value bound as the PostgreSQL column's type.
    static func bind(_ value: DatabaseValue, as type: String, column: String, table: String, to bindings: inout PostgresBindings) throws {
        if value.isNull {
            bindings.appendNull()
            return
        }
        switch type {
        case "text":
            guard let text = String.fromDatabaseValue(value) else { throw StoreCopyError.value(table: table, column: column, type: type) }
            bindings.append(text)
        case "bigint":
            guard let number = Int64.fromDatabaseValue(value) else { throw StoreCopyError.value(table: table, column: column, type: type) }
            bindings.append(Int(number))
        case "integer":
            guard let number = Int32.fromDatabaseValue(value) else { throw StoreCopyError.value(table: table, column: column, type: type) }
            bindings.append(number)
        case "boolean":
            guard let flag = Bool.fromDatabaseValue(value) else { throw StoreCopyError.value(table: table, column: column, type: type) }
            bindings.append(flag)
        case "bytea":
            guard let data = Data.fromDatabaseValue(value) else { throw StoreCopyError.value(table: table, column: column, type: type) }
            bindings.append(ByteBuffer(bytes: data))
        case "timestamp with time zone":
            guard let date = Date.fromDatabaseValue(value) else { throw StoreCopyError.value(table: table, column: column, type: type) }
            bindings.append(date)
        case "double precision":
            guard let number = Double.fromDatabaseValue(value) else { throw StoreCopyError.value(table: table, column: column, type: type) }
            bindings.append(number)
        default:
            throw StoreCopyError.value(table: table, column: column, type: type)
        }
    }
}

/// Why a copy stopped. Nothing the copy wrote is half a row: each batch is one transaction.
public enum StoreCopyError: Error, Equatable, CustomStringConvertible {
    case targetNotEmpty(detail: String)
    case schemaMismatch(table: String, detail: String)
    case value(table: String, column: String, type: String)
    case sourceChanged
    /// A master-key rotation has started and not finished on the source.
    case rotationUnfinished
    /// Ended early on request (tests of resuming).
    case stopped

    public var description: String {
        switch self {
        case .targetNotEmpty(let detail): "the target database is not empty: \(detail); copy only into a new database"
        case .schemaMismatch(let table, let detail):
            "\(table): the target's schema is not this version's (\(detail)); create the target with this version of casegate"
        case .value(let table, let column, let type): "\(table).\(column): a stored value cannot be written as \(type)"
        case .sourceChanged: "the source's ledger grew during the copy: stop every gateway on it and run the copy again (it resumes)"
        case .rotationUnfinished: "a master-key rotation is under way on the source: finish it (casegate keys rotate-master) and copy again"
        case .stopped: "stopped part way; run the copy again to resume"
        }
    }
}

extension StoreCopy {
    /// What the check after a copy found.
    public struct Verification: Sendable {
        public var entries: Int
        public var checkpoints: Int
        /// The first difference found, if any.
        public var problem: String?
    }

    /// Checks the copy: the store's records (its secrets, so pseudonyms and subject searches are the
    /// same), every ledger entry byte for byte, the target's ledger verified from its entries alone
    /// (`LedgerVerifier`), and its root at every source checkpoint's size equal to the source's.
    public func verify(key: LedgerSigningKey, keys: LedgerKeyHistory, origin: String) async throws -> Verification {
        let mine = SQLiteKeyRecords(database: source)
        let theirs = PostgresKeyRecords(database: target)
        for name in StoreSecrets.names + [KeyRecordName.masterKeyCheck, KeyRecordName.ledgerKey] {
            guard try await mine.recorded(name) == theirs.recorded(name) else {
                return Verification(entries: 0, checkpoints: 0, problem: "the store record '\(name)' differs between the source and the target")
            }
        }
        let sourceStore = SQLiteLedgerStore(database: source)
        let targetStore = PostgresBackend(database: target).ledger
        var index = 0
        while true {
            let (mine, theirs) = (
                try await sourceStore.entries(from: index, limit: 10_000), try await targetStore.entries(from: index, limit: 10_000)
            )
            guard mine == theirs else {
                let first = zip(mine, theirs).first { $0 != $1 }?.0.index ?? index + min(mine.count, theirs.count)
                return Verification(entries: index, checkpoints: 0, problem: "entry \(first) differs between the source and the target")
            }
            if mine.isEmpty { break }
            index += mine.count
        }
        let report = try await LedgerVerifier(store: targetStore, keys: keys, origin: origin).verify()
        if let problem = report.problem {
            return Verification(
                entries: report.entries,
                checkpoints: report.checkpoints,
                problem: "the target's ledger fails at \(problem.index): \(problem.reason)"
            )
        }
        let sourceLedger = try await Ledger.open(store: sourceStore, key: key, origin: origin)
        let targetLedger = try await Ledger.open(store: targetStore, key: key, origin: origin)
        let sizes = try await sourceStore.checkpoints().map(\.size).filter { $0 > 0 }
        for size in sizes where try await sourceLedger.root(size: size) != targetLedger.root(size: size) {
            return Verification(entries: index, checkpoints: sizes.count, problem: "the roots differ at checkpoint size \(size)")
        }
        return Verification(entries: index, checkpoints: sizes.count, problem: nil)
    }
}
