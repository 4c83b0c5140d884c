import ByteEncoding
import CaseModel
import Crypto
import Foundation
import GRDB
import Ledger
import Storage

/// The embedded case store: SQLite through GRDB, in WAL mode.
public struct SQLiteCaseStore: CaseStore {
    let database: SQLiteDatabase
    let keyStore: KeyStore
    let clock: ServiceClock
    let partyIndex: PartyIndex

    public init(database: SQLiteDatabase, clock: ServiceClock) {
        self.database = database
        self.keyStore = KeyStore(database: database)
        self.clock = clock
        self.partyIndex = PartyIndex(secrets: database.secrets)
    }

    public func create(_ newCase: ASBCase) async throws -> ASBCase {
        let insert = try inserter(newCase)
        return try await mapErrors { try await database.cases.write { db in try insert(db) } }
    }

    public func create(_ newCase: ASBCase, recordedBy draft: LedgerDraft, in ledger: Ledger) async throws -> (ASBCase, LedgerReceipt) {
        let insert = try inserter(newCase)
        let result = EffectResult<ASBCase>()
        let receipts = try await ledger.append([draft], effect: SQLiteLedgerEffect { db in result.set(try insert(db)) })
        return (try result.get(), receipts[0])
    }

    /// Makes the case's data key now (a crash before the case is written leaves an unused key, never
    /// unreadable data) and returns the write of the case itself.
    private func inserter(_ newCase: ASBCase) throws -> @Sendable (Database) throws -> ASBCase {
        let key = try keyStore.createKey(for: newCase.id)
        let clock = self.clock
        let lookups = partyIndex.lookups(for: newCase)
        return { db in
            let seq = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM cases") ?? 1
            var stored = newCase
            // A reference carried over from another system is kept; new reports get the next one.
            if stored.reference.isEmpty {
                stored.reference = CaseColumns.reference(receivedAt: newCase.receivedAt, seq: seq)
            }
            stored.version = 1
            try Self.record(for: stored, seq: seq, version: 1, key: key, clock: clock).insert(db)
            try Self.index(lookups, case: newCase.id, db)
            return stored
        }
    }

    /// Stores many cases in two transactions (keys, then cases): for imports and demo data.
    public func createMany(_ newCases: [ASBCase]) async throws -> [ASBCase] {
        guard !newCases.isEmpty else { return [] }
        let keys = try keyStore.createKeys(for: newCases.map(\.id))
        let clock = self.clock
        let lookups = newCases.map(partyIndex.lookups)
        return try await mapErrors {
            try await database.cases.write { db in
                var seq = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM cases") ?? 0
                var stored: [ASBCase] = []
                for (n, newCase) in newCases.enumerated() {
                    seq += 1
                    var c = newCase
                    if c.reference.isEmpty { c.reference = CaseColumns.reference(receivedAt: c.receivedAt, seq: seq) }
                    c.version = 1
                    try Self.record(for: c, seq: seq, version: 1, key: keys[n], clock: clock).insert(db)
                    try Self.index(lookups[n], case: c.id, db)
                    stored.append(c)
                }
                return stored
            }
        }
    }

    /// On every view not yet cached: one cached statement, three columns, then the key read and the case opened.
    /// Synchronous, on the calling thread (an asynchronous read hops to a queue's thread and back, two
    /// thread switches, more than the read itself costs), through `PointReaders`, without a transaction
    /// around it: one SELECT reads one snapshot by itself. The key is read after the row, not inside.
    public func get(_ id: UUID) async throws -> ASBCase? {
        // The id's text once: the row's key, the data key's, and the cipher's authenticated data.
        let text = id.text
        return try await mapErrors {
            guard let row = try database.caseReads.read({ db in try Self.caseRow(text, db) }) else { return nil }
            return try open(text, row.reference, row.sealed, row.version)
        }
    }

    /// One point-read connection for both, the mark read first: a case at least as new as its mark.
    public func markedCase(_ id: UUID) async throws -> (mark: Int64, case: ASBCase)? {
        let text = id.text
        return try await mapErrors {
            let (mark, row) = try database.caseReads.read { db in (try Self.changeMark(db), try Self.caseRow(text, db)) }
            guard let row else { return nil }
            return (mark, try open(text, row.reference, row.sealed, row.version))
        }
    }

    /// One point read of a one-row table that triggers on `cases` move (see the "v7-case-changes" migration).
    public func changeMark() async throws -> Int64 {
        try await mapErrors { try database.caseReads.read { db in try Self.changeMark(db) } }
    }

    private static func changeMark(_ db: Database) throws -> Int64 {
        var read = RawBindings(try db.cachedStatement(sql: CaseChangeMark.readSQL), in: db)
        guard let mark = try read.firstRow({ RawBindings.integer($0, 0) }) ?? nil else {
            throw StorageError.unavailable(reason: "the case change mark is missing")
        }
        return mark
    }

    /// A stored case's row, read straight from SQLite's buffers: this is on every view not yet cached.
    private static func caseRow(_ text: String, _ db: Database) throws -> StoredCaseRow? {
        var read = RawBindings(try db.cachedStatement(sql: "SELECT reference, sealed, version FROM cases WHERE id = ?"), in: db)
        read.bind(text)
        let row = try read.firstRow { row in (RawBindings.text(row, 0), Data(RawBindings.blob(row, 1)), RawBindings.integer(row, 2)) }
        guard let (reference, sealed, version) = row else { return nil }
        guard let reference, let version else { throw StorageError.corrupt(caseID: text) }
        return StoredCaseRow(reference: reference, sealed: sealed, version: Int(version))
    }

    public func update(_ id: UUID, _ change: @Sendable (inout ASBCase) throws -> Void) async throws -> ASBCase {
        try await mapErrors { try await database.cases.write { db in try self.update(id, db, change) } }
    }

    public func update(
        _ id: UUID,
        recordedBy drafts: [LedgerDraft],
        in ledger: Ledger,
        _ change: @escaping @Sendable (inout ASBCase) throws -> Void
    ) async throws -> (ASBCase, [LedgerReceipt]) {
        let result = EffectResult<ASBCase>()
        let receipts = try await ledger.append(drafts, effect: SQLiteLedgerEffect { db in result.set(try self.update(id, db, change)) })
        return (try result.get(), receipts)
    }

    private func update(_ id: UUID, _ db: Database, _ change: (inout ASBCase) throws -> Void) throws -> ASBCase {
        guard let record = try CaseRecord.filter(CaseRecord.Columns.id == id.text).fetchOne(db) else {
            throw StorageError.notFound(caseID: id.text)
        }
        let key = try keyStore.key(for: id)
        var current = try CaseSealer.open(record.sealed, id: id, with: key)
        current.reference = record.reference
        current.version = Int(record.version)
        try change(&current)
        current.version = Int(record.version + 1)
        let updated = try Self.record(for: current, seq: record.seq, version: record.version + 1, key: key, clock: clock)
        try updated.update(db)
        try Self.index(partyIndex.lookups(for: current), case: id, db)
        return current
    }

    public func list(_ query: CaseQuery) async throws -> CasePage {
        let afterSeq = try query.afterSequence()
        let limit = query.pageSize
        let open = self.open
        return try await mapErrors {
            try await database.cases.read { db in
                var request = CaseRecord.all()
                if let categories = query.categories { request = request.filter(categories.map(\.rawValue).contains(CaseRecord.Columns.category)) }
                if let statuses = query.statuses { request = request.filter(statuses.map(\.rawValue).contains(CaseRecord.Columns.status)) }
                if let wards = query.wards { request = request.filter(Array(wards).contains(CaseRecord.Columns.ward)) }
                if let day = query.overdueOn { request = request.filter(CaseRecord.Columns.outstandingDue < day.description) }
                if let since = query.updatedSince { request = request.filter(CaseRecord.Columns.updatedAt >= since) }
                if let afterSeq {
                    request = request.filter(query.order == .newestFirst ? CaseRecord.Columns.seq < afterSeq : CaseRecord.Columns.seq > afterSeq)
                }
                let ordering = query.order == .newestFirst ? CaseRecord.Columns.seq.desc : CaseRecord.Columns.seq.asc
                // Only the columns a case is rebuilt from; opened here, on the reader's queue.
                let rows = try Row.fetchAll(
                    db,
                    request.select(
                        CaseRecord.Columns.seq,
                        CaseRecord.Columns.id,
                        CaseRecord.Columns.reference,
                        CaseRecord.Columns.sealed,
                        CaseRecord.Columns.version
                    )
                    .order(ordering).limit(limit + 1)
                )
                var cases: [ASBCase] = []
                cases.reserveCapacity(min(rows.count, limit))
                for row in rows.prefix(limit) { cases.append(try open(row[1], row[2], row[3], row[4])) }
                let next = rows.count > limit ? CaseCursor.encode(rows[limit - 1][0]) : nil
                return CasePage(cases: cases, nextCursor: next)
            }
        }
    }

    public func caseIDs(partyName name: String, dateOfBirth: CalendarDate?) async throws -> [UUID] {
        let lookup = partyIndex.lookup(name: name, dateOfBirth: dateOfBirth)
        return try await mapErrors {
            try await database.cases.read { db in
                try String.fetchAll(db, sql: "SELECT case_id FROM party_index WHERE lookup = ? ORDER BY case_id", arguments: [lookup])
            }
        }.compactMap(UUID.init(text:))
    }

    private static func index(_ lookups: Set<Data>, case id: UUID, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM party_index WHERE case_id = ?", arguments: [id.text])
        for lookup in lookups {
            try db.execute(sql: "INSERT INTO party_index (lookup, case_id) VALUES (?, ?)", arguments: [lookup, id.text])
        }
    }

    public func count() async throws -> Int {
        try await mapErrors { try await database.cases.read { db in try CaseRecord.fetchCount(db) } }
    }

    /// Rebuilds a case from its row: the sealed document opened with its data key, and the reference and
    /// version kept in clear.
    private var open: @Sendable (_ id: String, _ reference: String, _ sealed: Data, _ version: Int) throws -> ASBCase {
        let keyStore = self.keyStore
        return { id, reference, sealed, version in
            // The sealed document carries the id; the cipher checks it against this one (authenticated data).
            var c = try CaseSealer.open(sealed, idText: id, with: try keyStore.key(for: id))
            c.reference = reference
            c.version = version
            return c
        }
    }

    private static func record(for c: ASBCase, seq: Int64, version: Int64, key: SymmetricKey, clock: ServiceClock) throws -> CaseRecord {
        CaseRecord(CaseColumns(c, clock: clock), seq: seq, version: version, sealed: try CaseSealer.seal(CaseColumns.sealable(c), with: key))
    }
}

/// Turns SQLite's failures into `StorageError.unavailable`, keeping our own errors as they are.
func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as DatabaseError {
        throw unavailable(error)
    }
}

/// `mapErrors` for a body that runs on the calling thread.
func mapSynchronousErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as DatabaseError {
        throw unavailable(error)
    }
}

private func unavailable(_ error: DatabaseError) -> StorageError {
    .unavailable(reason: "SQLite \(error.resultCode): \(error.message ?? "no message")")
}

/// What a case's row holds besides its id: the clear reference and version, and the sealed document.
private struct StoredCaseRow {
    let reference: String
    let sealed: Data
    let version: Int
}
