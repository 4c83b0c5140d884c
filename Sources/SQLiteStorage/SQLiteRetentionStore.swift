import CaseModel
import Foundation
import GRDB
import Ledger
import Storage

/// Retention's view of the embedded store.
public struct SQLiteRetentionStore: RetentionStore {
    let database: SQLiteDatabase
    let keyStore: KeyStore

    public init(database: SQLiteDatabase) {
        self.database = database
        self.keyStore = KeyStore(database: database)
    }

    public func acquireSweepLease() async throws -> (any SweepLease)? {
        SQLiteSweepLease(directory: database.directory)
    }

    public func countCases() async throws -> Int {
        try await mapErrors { try await database.cases.read { db in try CaseRecord.fetchCount(db) } }
    }

    /// A page of cases in recording order, with their hold state. With `cutoffs`, only cases old enough
    /// that some rule could have expired them: SQLite skips the rest without Swift ever decoding them.
    public func candidates(
        afterSeq: Int64,
        limit: Int,
        cutoffs: RetentionCutoffs?
    ) async throws -> (candidates: [RetentionCandidate], lastSeq: Int64?) {
        var filter = ""
        var arguments: [(any DatabaseValueConvertible)?] = [afterSeq]
        if let cutoffs {
            var clauses: [String] = []
            if let d = cutoffs.closure {
                clauses.append("c.closed_at < ?")
                arguments.append(d)
            }
            if let d = cutoffs.lastActivity {
                clauses.append("c.updated_at < ?")
                arguments.append(d)
            }
            if let d = cutoffs.receipt {
                clauses.append("c.received_at < ?")
                arguments.append(d)
            }
            filter = clauses.isEmpty ? "AND 0" : "AND (" + clauses.joined(separator: " OR ") + ")"
        }
        arguments.append(limit)
        let sql = """
            SELECT c.seq, c.id, c.category, c.status, c.flags, c.has_police_reference, c.received_at, c.closed_at, c.updated_at,
                   h.case_id IS NOT NULL AS held
            FROM cases c LEFT JOIN legal_holds h ON h.case_id = c.id
            WHERE c.seq > ? \(filter) ORDER BY c.seq LIMIT ?
            """
        let statementArguments = StatementArguments(arguments)
        return try await mapErrors {
            try await database.cases.read { db in
                let rows = try Row.fetchAll(db, sql: sql, arguments: statementArguments)
                let candidates = rows.compactMap { row -> RetentionCandidate? in
                    guard let category = Category(rawValue: row["category"]), let status = CaseStatus(rawValue: row["status"]) else { return nil }
                    let flags = (row["flags"] as String?).map { Set($0.split(separator: ",").map(String.init)) } ?? []
                    return RetentionCandidate(
                        id: row["id"],
                        category: category,
                        status: status,
                        flags: flags,
                        hasPoliceReference: row["has_police_reference"],
                        receivedAt: row["received_at"],
                        closedAt: row["closed_at"],
                        updatedAt: row["updated_at"],
                        held: row["held"]
                    )
                }
                return (candidates, rows.last.map { $0["seq"] })
            }
        }
    }

    /// Purges a batch: in one transaction the cases, their party index rows and (re-checked) holds; tombstones
    /// are written in the same transaction. Then the data keys are destroyed. Returns the ids actually purged.
    public func purge(_ items: [(caseID: String, rule: String, category: String)], sweepID: String) async throws -> [String] {
        let purged = try await mapErrors {
            try await database.cases.write { db -> [String] in
                // One statement per step for the whole batch; a hold placed since evaluation still wins.
                let ids = items.map(\.caseID)
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                let held = Set(
                    try String.fetchAll(
                        db,
                        sql: "SELECT case_id FROM legal_holds WHERE case_id IN (\(marks))",
                        arguments: StatementArguments(ids)
                    )
                )
                let present = Set(try String.fetchAll(db, sql: "SELECT id FROM cases WHERE id IN (\(marks))", arguments: StatementArguments(ids)))
                let chosen = items.filter { !held.contains($0.caseID) && present.contains($0.caseID) }
                guard !chosen.isEmpty else { return [] }
                let chosenIDs = chosen.map(\.caseID)
                let chosenMarks = Array(repeating: "?", count: chosenIDs.count).joined(separator: ",")
                try db.execute(sql: "DELETE FROM cases WHERE id IN (\(chosenMarks))", arguments: StatementArguments(chosenIDs))
                try db.execute(sql: "DELETE FROM party_index WHERE case_id IN (\(chosenMarks))", arguments: StatementArguments(chosenIDs))
                let tombstone = try db.cachedStatement(
                    sql: """
                        INSERT INTO retention_tombstones (case_id, sweep_id, rule, category, purged_at, key_destroyed)
                        VALUES (?, ?, ?, ?, ?, 0)
                        """
                )
                let now = Date()
                for item in chosen { try tombstone.execute(arguments: [item.caseID, sweepID, item.rule, item.category, now]) }
                return chosenIDs
            }
        }
        // The shred itself; the tombstones are marked with the erasure entries, in one write.
        try keyStore.destroyKeys(for: purged)
        return purged
    }

    /// Destroys keys of purged cases and records it on their tombstones.
    public func destroyKeys(_ caseIDs: [String]) async throws {
        guard !caseIDs.isEmpty else { return }
        try keyStore.destroyKeys(for: caseIDs)
        try await mapErrors {
            try await database.cases.write { db in
                for id in caseIDs { try db.execute(sql: "UPDATE retention_tombstones SET key_destroyed = 1 WHERE case_id = ?", arguments: [id]) }
            }
        }
    }

    /// Notes each tombstone's erasure entry; the case's key is gone by then, so it is marked destroyed too.
    public func recordErasureEntries(_ indices: [String: Int]) async throws {
        try await mapErrors {
            try await database.cases.write { db in
                let update = try db.cachedStatement(sql: "UPDATE retention_tombstones SET ledger_index = ?, key_destroyed = 1 WHERE case_id = ?")
                for (id, index) in indices { try update.execute(arguments: [index, id]) }
            }
        }
    }

    /// Purges a killed sweep left unfinished: keys not yet destroyed, or no erasure entry yet.
    public func unfinishedTombstones() async throws -> [Tombstone] {
        try await tombstones(sql: "SELECT * FROM retention_tombstones WHERE key_destroyed = 0 OR ledger_index IS NULL ORDER BY purged_at", [])
    }

    public func tombstones(sweepID: String) async throws -> [Tombstone] {
        try await tombstones(sql: "SELECT * FROM retention_tombstones WHERE sweep_id = ? ORDER BY case_id", [sweepID])
    }

    private func tombstones(sql: String, _ arguments: [String]) async throws -> [Tombstone] {
        try await mapErrors {
            try await database.cases.read { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map {
                    Tombstone(
                        caseID: $0["case_id"],
                        sweepID: $0["sweep_id"],
                        rule: $0["rule"],
                        category: $0["category"],
                        keyDestroyed: $0["key_destroyed"],
                        ledgerIndex: $0["ledger_index"]
                    )
                }
            }
        }
    }

    // MARK: Holds

    public func placeHold(caseID: String, reason: String, by user: String) async throws -> Bool {
        try await mapErrors { try await database.cases.write { db in try Self.placeHold(caseID: caseID, reason: reason, by: user, db) } }
    }

    public func liftHold(caseID: String) async throws -> Bool {
        try await mapErrors { try await database.cases.write { db in try Self.liftHold(caseID: caseID, db) } }
    }

    public func placeHold(caseID: String, reason: String, by user: String, recordedBy draft: LedgerDraft, in ledger: Ledger) async throws -> Bool {
        try await ledger.recordHoldChange(
            draft,
            effect: SQLiteLedgerEffect { db in
                guard try Self.placeHold(caseID: caseID, reason: reason, by: user, db) else { throw HoldUnchanged() }
            }
        )
    }

    public func liftHold(caseID: String, recordedBy draft: LedgerDraft, in ledger: Ledger) async throws -> Bool {
        try await ledger.recordHoldChange(
            draft,
            effect: SQLiteLedgerEffect { db in
                guard try Self.liftHold(caseID: caseID, db) else { throw HoldUnchanged() }
            }
        )
    }

    private static func placeHold(caseID: String, reason: String, by user: String, _ db: Database) throws -> Bool {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM cases WHERE id = ?)", arguments: [caseID]) == true else {
            throw StorageError.notFound(caseID: caseID)
        }
        try db.execute(
            sql: "INSERT OR IGNORE INTO legal_holds (case_id, reason, placed_by, placed_at) VALUES (?, ?, ?, ?)",
            arguments: [caseID, reason, user, Date()]
        )
        return db.changesCount == 1
    }

    private static func liftHold(caseID: String, _ db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM legal_holds WHERE case_id = ?", arguments: [caseID])
        return db.changesCount == 1
    }

    public func holds() async throws -> [LegalHold] {
        try await mapErrors {
            try await database.cases.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM legal_holds ORDER BY placed_at").map {
                    LegalHold(caseID: $0["case_id"], reason: $0["reason"], placedBy: $0["placed_by"], placedAt: $0["placed_at"])
                }
            }
        }
    }

    // MARK: Sweeps

    public func saveSweep(_ sweep: SweepRecord) async throws {
        try await mapErrors {
            try await database.cases.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO retention_sweeps (id, started_at, finished_at, state, dry_run, schedule_version, started_by, summary)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(id) DO UPDATE SET finished_at = excluded.finished_at, state = excluded.state, summary = excluded.summary
                        """,
                    arguments: [
                        sweep.id, sweep.startedAt, sweep.finishedAt, sweep.state, sweep.dryRun, sweep.scheduleVersion,
                        sweep.startedBy, sweep.summary,
                    ]
                )
            }
        }
    }

    public func sweep(id: String) async throws -> SweepRecord? {
        try await sweeps(where: "WHERE id = ?", [id]).first
    }

    public func sweeps() async throws -> [SweepRecord] {
        try await sweeps(where: "", [])
    }

    private func sweeps(where clause: String, _ arguments: [String]) async throws -> [SweepRecord] {
        try await mapErrors {
            try await database.cases.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM retention_sweeps \(clause) ORDER BY started_at DESC",
                    arguments: StatementArguments(arguments)
                ).map {
                    SweepRecord(
                        id: $0["id"],
                        startedAt: $0["started_at"],
                        finishedAt: $0["finished_at"],
                        state: $0["state"],
                        dryRun: $0["dry_run"],
                        scheduleVersion: $0["schedule_version"],
                        startedBy: $0["started_by"],
                        summary: $0["summary"]
                    )
                }
            }
        }
    }

    /// Sweeps a killed process left marked running.
    public func markInterrupted() async throws {
        try await mapErrors {
            try await database.cases.write { db in
                try db.execute(sql: "UPDATE retention_sweeps SET state = 'interrupted' WHERE state = 'running'")
            }
        }
    }

    /// Folds the WAL back into the database files, so purged pages (overwritten by secure_delete) leave no copy in the WAL.
    public func removeResidue() async throws {
        try await mapErrors {
            try await database.cases.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try await database.keys.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
    }

    /// A data backup: the case database only, never the key store or master key, so a purge shreds backups too.
    public func backup(to directory: URL) async throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let target = directory.appendingPathComponent(SQLiteDatabase.caseFileName)
        let destination = try DatabaseQueue(path: target.path)
        try database.cases.backup(to: destination)
        try destination.close()
        return target
    }
}
