import ByteEncoding
import CaseModel
import Crypto
import Foundation
import Ledger
import Logging
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import Storage

/// Cases in PostgreSQL: the clear columns, the sealed document, its wrapped data
/// key (in the `casegate_keys` schema, of the case database or of a key database of its own) and the
/// blind party index. With keys in the case database a case and its key are read in one joined query;
/// with keys apart, in one query to each database.
public struct PostgresCaseStore: CaseStore {
    let database: PostgresDatabase
    let clock: ServiceClock
    let partyIndex: PartyIndex

    public init(database: PostgresDatabase, clock: ServiceClock) {
        self.database = database
        self.clock = clock
        self.partyIndex = PartyIndex(secrets: database.secrets)
    }

    public func create(_ newCase: ASBCase) async throws -> ASBCase {
        try await createMany([newCase])[0]
    }

    /// One transaction: keys, cases and index rows together. New cases are numbered under a lock, so the
    /// recording order (and with it partners' paging) is the order in which they became visible.
    public func createMany(_ newCases: [ASBCase]) async throws -> [ASBCase] {
        guard !newCases.isEmpty else { return [] }
        let insert = try await inserter(newCases)
        return try await database.transaction { connection in try await insert(connection) }
    }

    public func create(_ newCase: ASBCase, recordedBy draft: LedgerDraft, in ledger: Ledger) async throws -> (ASBCase, LedgerReceipt) {
        let insert = try await inserter([newCase])
        let result = EffectResult<ASBCase>()
        let receipts = try await ledger.append([draft], effect: PostgresLedgerEffect { connection in result.set(try await insert(connection)[0]) })
        return (try result.get(), receipts[0])
    }

    /// The write of new cases with fresh data keys, on a connection in a transaction. Keys kept apart are
    /// committed to the key database first: a failure after that leaves a key without a case, never a case
    /// without its key.
    private func inserter(_ newCases: [ASBCase]) async throws -> @Sendable (PostgresConnection) async throws -> [ASBCase] {
        let database = self.database
        let keys = newCases.map { _ in SymmetricKey(size: .bits256) }
        if database.keysApart {
            let ids = newCases.map(\.id.text)
            try await database.keyTransaction { connection in try await PostgresDataKeys.insert(keys, for: ids, connection, database) }
        }
        let clock = self.clock
        let lookups = newCases.map(partyIndex.lookups)
        return { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(AdvisoryLock.caseNumbers))", logger: database.logger)
            var seq =
                try await connection.query("SELECT COALESCE(MAX(seq), 0) FROM cases", logger: database.logger)
                .collect().first?.decode(Int64.self) ?? 0
            var stored: [ASBCase] = []
            var rows = CaseRows()
            for (n, newCase) in newCases.enumerated() {
                seq += 1
                var c = newCase
                if c.reference.isEmpty { c.reference = CaseColumns.reference(receivedAt: c.receivedAt, seq: seq) }
                c.version = 1
                rows.append(CaseColumns(c, clock: clock), seq: seq, sealed: try CaseSealer.seal(CaseColumns.sealable(c), with: keys[n]))
                stored.append(c)
            }
            let ids = stored.map(\.id.text)
            if !database.keysApart { try await PostgresDataKeys.insert(keys, for: ids, connection, database) }
            try await rows.insert(connection, logger: database.logger)
            try await Self.index(zip(ids, lookups), connection, database)
            return stored
        }
    }

    /// The case read `markedCase` makes, its mark set aside.
    public func get(_ id: UUID) async throws -> ASBCase? {
        try await markedCase(id)?.case
    }

    /// One round trip (keys joined): the sealed case, its wrapped key and the change mark in one prepared
    /// statement (`CaseReadStatement`), so of one snapshot.
    public func markedCase(_ id: UUID) async throws -> (mark: Int64, case: ASBCase)? {
        let row = try await database.mapErrors {
            database.keysApart
                ? try await database.client.execute(CaseReadStatement<KeysApart>(id: id.text), logger: database.logger).firstOfAll()
                : try await database.client.execute(CaseReadStatement<KeysJoined>(id: id.text), logger: database.logger).firstOfAll()
        }
        guard let row else { return nil }
        var c = try open(id, reference: row.reference, sealed: row.sealed, wrapped: try await wrappedKey(id.text, joined: row.wrappedKey))
        c.version = Int(row.version)
        return (row.mark, c)
    }

    /// The wrapped key column and the join that brings it: the key table when it is in this database, else
    /// a NULL placeholder (the key is read from the key database by `wrappedKey`).
    private var keyJoin: String { database.keysApart ? KeysApart.keyJoin : KeysJoined.keyJoin }

    /// The joined key, or the key database's when keys are apart.
    private func wrappedKey(_ id: String, joined: Data?) async throws -> Data? {
        guard database.keysApart else { return joined }
        return try await PostgresDataKeys.wrapped([id], database)[id]
    }

    /// One row that a statement trigger on `cases` moves (see the "v3-case-changes" migration).
    public func changeMark() async throws -> Int64 {
        let mark = try await database.mapErrors {
            try await database.client.execute(ChangeMarkStatement(), logger: database.logger).firstOfAll()
        }
        guard let mark else { throw StorageError.unavailable(reason: "the case change mark is missing") }
        return mark
    }

    public func update(_ id: UUID, _ change: @Sendable (inout ASBCase) throws -> Void) async throws -> ASBCase {
        try await database.transaction { connection in try await update(id, connection, change) }
    }

    public func update(
        _ id: UUID,
        recordedBy drafts: [LedgerDraft],
        in ledger: Ledger,
        _ change: @escaping @Sendable (inout ASBCase) throws -> Void
    ) async throws -> (ASBCase, [LedgerReceipt]) {
        let result = EffectResult<ASBCase>()
        let receipts = try await ledger.append(
            drafts,
            effect: PostgresLedgerEffect { connection in result.set(try await update(id, connection, change)) }
        )
        return (try result.get(), receipts)
    }

    private func update(_ id: UUID, _ connection: PostgresConnection, _ change: (inout ASBCase) throws -> Void) async throws -> ASBCase {
        let rows = try await connection.query(
            "SELECT c.seq, c.version, c.reference, c.sealed, \(unescaped: keyJoin) WHERE c.id = \(id.text) FOR UPDATE OF c",
            logger: database.logger
        ).collect()
        guard let row = rows.first else { throw StorageError.notFound(caseID: id.text) }
        let (seq, version, reference, sealed, joined) = try row.decode((Int64, Int64, String, Data, Data?).self)
        guard let wrapped = try await wrappedKey(id.text, joined: joined) else { throw StorageError.dataKeyMissing(caseID: id.text) }
        let key = try database.masterKeys.unwrap(wrapped)
        var current = try CaseSealer.open(sealed, id: id, with: key)
        current.reference = reference
        current.version = Int(version)
        try change(&current)
        current.version = Int(version + 1)
        let columns = CaseColumns(current, clock: clock)
        let newSealed = try CaseSealer.seal(CaseColumns.sealable(current), with: key)
        try await connection.query(
            """
            UPDATE cases SET incident_type = \(columns.incidentType), category = \(columns.category), channel = \(columns.channel),
                status = \(columns.status), ward = \(columns.ward), risk_flag = \(columns.riskFlag),
                has_police_reference = \(columns.hasPoliceReference), received_at = \(columns.receivedAt),
                closed_at = \(columns.closedAt), updated_at = \(columns.updatedAt), outstanding_due = \(columns.outstandingDue),
                version = \(version + 1), sealed = \(newSealed), flags = \(columns.flags)
            WHERE seq = \(seq)
            """,
            logger: database.logger
        )
        try await Self.index([(id.text, partyIndex.lookups(for: current))], connection, database)
        return current
    }

    public func list(_ query: CaseQuery) async throws -> CasePage {
        let afterSeq = try query.afterSequence()
        let limit = query.pageSize
        var sql = "SELECT c.seq, c.id, c.reference, c.sealed, c.version, \(keyJoin) WHERE TRUE"
        var binds = DynamicBindings()
        if let categories = query.categories { sql += " AND c.category = ANY(\(binds.bind(categories.map(\.rawValue))))" }
        if let statuses = query.statuses { sql += " AND c.status = ANY(\(binds.bind(statuses.map(\.rawValue))))" }
        if let wards = query.wards { sql += " AND c.ward = ANY(\(binds.bind(Array(wards))))" }
        if let day = query.overdueOn { sql += " AND c.outstanding_due < \(binds.bind(day.description))" }
        if let since = query.updatedSince { sql += " AND c.updated_at >= \(binds.bind(since))" }
        if let afterSeq { sql += " AND c.seq \(query.order == .newestFirst ? "<" : ">") \(binds.bind(afterSeq))" }
        sql += " ORDER BY c.seq \(query.order == .newestFirst ? "DESC" : "ASC") LIMIT \(binds.bind(limit + 1))"
        let statement = binds.query(sql)
        let rows = try await database.mapErrors { try await database.client.query(statement, logger: database.logger).collect() }
        let decoded = try rows.prefix(limit).map { try $0.decode((Int64, String, String, Data, Int64, Data?).self) }
        let apartKeys = database.keysApart ? try await PostgresDataKeys.wrapped(decoded.map(\.1), database) : [:]
        var cases: [ASBCase] = []
        cases.reserveCapacity(decoded.count)
        var lastSeq: Int64 = 0
        for (seq, id, reference, sealed, version, joined) in decoded {
            guard let uuid = UUID(text: id) else { throw StorageError.corrupt(caseID: id) }
            var c = try open(uuid, reference: reference, sealed: sealed, wrapped: database.keysApart ? apartKeys[id] : joined)
            c.version = Int(version)
            cases.append(c)
            lastSeq = seq
        }
        return CasePage(cases: cases, nextCursor: rows.count > limit ? CaseCursor.encode(lastSeq) : nil)
    }

    public func count() async throws -> Int {
        try await database.mapErrors {
            try await database.client.query("SELECT COUNT(*) FROM cases", logger: database.logger).collect().first?.decode(Int.self) ?? 0
        }
    }

    public func caseIDs(partyName name: String, dateOfBirth: CalendarDate?) async throws -> [UUID] {
        let lookup = partyIndex.lookup(name: name, dateOfBirth: dateOfBirth)
        return try await database.mapErrors {
            var ids: [UUID] = []
            let rows = try await database.client.query(
                "SELECT case_id FROM party_index WHERE lookup = \(lookup) ORDER BY case_id",
                logger: database.logger
            )
            for try await id in rows.decode(String.self) { if let uuid = UUID(text: id) { ids.append(uuid) } }
            return ids
        }
    }

    private func open(_ id: UUID, reference: String, sealed: Data, wrapped: Data?) throws -> ASBCase {
        guard let wrapped else { throw StorageError.dataKeyMissing(caseID: id.text) }
        var c = try CaseSealer.open(sealed, id: id, with: try database.masterKeys.unwrap(wrapped))
        c.reference = reference
        return c
    }

    /// Replaces the party index rows of the given cases.
    private static func index(
        _ cases: some Sequence<(String, Set<Data>)>,
        _ connection: PostgresConnection,
        _ database: PostgresDatabase
    ) async throws {
        var ids: [String] = []
        var lookupIDs: [String] = []
        var lookups: [ByteBuffer] = []
        for (id, set) in cases {
            ids.append(id)
            for lookup in set {
                lookupIDs.append(id)
                lookups.append(ByteBuffer(data: lookup))
            }
        }
        try await connection.query("DELETE FROM party_index WHERE case_id = ANY(\(ids))", logger: database.logger)
        try await connection.query(
            """
            INSERT INTO party_index (lookup, case_id) SELECT * FROM unnest(\(lookups)::bytea[], \(lookupIDs)::text[])
            ON CONFLICT DO NOTHING
            """,
            logger: database.logger
        )
    }
}

/// Case rows as column arrays, inserted in one statement with `unnest`.
struct CaseRows {
    var seq: [Int64] = [], id: [String] = [], reference: [String] = [], incidentType: [String] = [], category: [String] = []
    var channel: [String] = [], status: [String] = [], ward: [String] = [], riskFlag: [Bool] = [], hasPoliceReference: [Bool] = []
    var receivedAt: [Date] = [], closedAt: [Date] = [], closed: [Bool] = [], updatedAt: [Date] = [], outstandingDue: [String] = []
    var sealed: [ByteBuffer] = [], flags: [String] = []

    mutating func append(_ c: CaseColumns, seq: Int64, sealed blob: Data) {
        self.seq.append(seq)
        id.append(c.id)
        reference.append(c.reference)
        incidentType.append(c.incidentType)
        category.append(c.category)
        channel.append(c.channel)
        status.append(c.status)
        ward.append(c.ward)
        riskFlag.append(c.riskFlag)
        hasPoliceReference.append(c.hasPoliceReference)
        receivedAt.append(c.receivedAt)
        // Arrays of PostgresNIO carry no NULLs: absent values travel as flags or empty strings.
        closedAt.append(c.closedAt ?? c.receivedAt)
        closed.append(c.closedAt != nil)
        updatedAt.append(c.updatedAt)
        outstandingDue.append(c.outstandingDue ?? "")
        sealed.append(ByteBuffer(data: blob))
        flags.append(c.flags)
    }

    func insert(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO cases (seq, id, reference, incident_type, category, channel, status, ward, risk_flag, has_police_reference,
                               received_at, closed_at, updated_at, outstanding_due, version, sealed, flags)
            SELECT seq, id, reference, incident_type, category, channel, status, ward, risk_flag, has_police_reference,
                   received_at, CASE WHEN closed THEN closed_at END, updated_at, NULLIF(outstanding_due, ''), 1, sealed, flags
            FROM unnest(\(seq)::bigint[], \(id)::text[], \(reference)::text[], \(incidentType)::text[], \(category)::text[],
                        \(channel)::text[], \(status)::text[], \(ward)::text[], \(riskFlag)::boolean[], \(hasPoliceReference)::boolean[],
                        \(receivedAt)::timestamptz[], \(closedAt)::timestamptz[], \(closed)::boolean[], \(updatedAt)::timestamptz[],
                        \(outstandingDue)::text[], \(sealed)::bytea[], \(flags)::text[])
                AS r(seq, id, reference, incident_type, category, channel, status, ward, risk_flag, has_police_reference,
                     received_at, closed_at, closed, updated_at, outstanding_due, sealed, flags)
            """,
            logger: logger
        )
    }
}
