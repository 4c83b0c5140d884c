import CaseModel
import Foundation
import Ledger
import Logging
import PostgresNIO
import Storage

/// Retention in PostgreSQL: candidates from clear columns, purges in one transaction per batch,
/// holds and sweep records; sweeps exclusive across instances through a session advisory lock.
public struct PostgresRetentionStore: RetentionStore {
    let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    /// The lock lives with a connection of its own: the server frees it if this process dies.
    public func acquireSweepLease() async throws -> (any SweepLease)? {
        let connection = try await database.dedicatedConnection()
        let locked: Bool
        do {
            locked = try await database.mapErrors {
                try await connection.query("SELECT pg_try_advisory_lock(\(AdvisoryLock.retentionSweep))", logger: database.logger)
                    .collect().first?.decode(Bool.self) ?? false
            }
        } catch {
            // A connection is closed before it is dropped, also when the server went away mid-query.
            try? await connection.close()
            throw error
        }
        guard locked else {
            try? await connection.close()
            return nil
        }
        return PostgresSweepLease(connection: connection)
    }

    public func countCases() async throws -> Int {
        try await database.mapErrors {
            try await database.client.query("SELECT COUNT(*) FROM cases", logger: database.logger).collect().first?.decode(Int.self) ?? 0
        }
    }

    public func candidates(
        afterSeq: Int64,
        limit: Int,
        cutoffs: RetentionCutoffs?
    ) async throws -> (candidates: [RetentionCandidate], lastSeq: Int64?) {
        var binds = DynamicBindings()
        var filter = ""
        let after = binds.bind(afterSeq)
        if let cutoffs {
            var clauses: [String] = []
            if let d = cutoffs.closure { clauses.append("c.closed_at < \(binds.bind(d))") }
            if let d = cutoffs.lastActivity { clauses.append("c.updated_at < \(binds.bind(d))") }
            if let d = cutoffs.receipt { clauses.append("c.received_at < \(binds.bind(d))") }
            filter = clauses.isEmpty ? "AND FALSE" : "AND (" + clauses.joined(separator: " OR ") + ")"
        }
        let sql = """
            SELECT c.seq, c.id, c.category, c.status, c.flags, c.has_police_reference, c.received_at, c.closed_at, c.updated_at,
                   h.case_id IS NOT NULL AS held
            FROM cases c LEFT JOIN legal_holds h ON h.case_id = c.id
            WHERE c.seq > \(after) \(filter) ORDER BY c.seq LIMIT \(binds.bind(limit))
            """
        let statement = binds.query(sql)
        let rows = try await database.mapErrors { try await database.client.query(statement, logger: database.logger).collect() }
        var candidates: [RetentionCandidate] = []
        var lastSeq: Int64?
        for row in rows {
            let (seq, id, category, status, flags, police, received, closed, updated, held) =
                try row.decode((Int64, String, String, String, String, Bool, Date, Date?, Date, Bool).self)
            lastSeq = seq
            guard let category = Category(rawValue: category), let status = CaseStatus(rawValue: status) else { continue }
            candidates.append(
                RetentionCandidate(
                    id: id,
                    category: category,
                    status: status,
                    flags: Set(flags.split(separator: ",").map(String.init)),
                    hasPoliceReference: police,
                    receivedAt: received,
                    closedAt: closed,
                    updatedAt: updated,
                    held: held
                )
            )
        }
        return (candidates, lastSeq)
    }

    public func purge(_ items: [(caseID: String, rule: String, category: String)], sweepID: String) async throws -> [String] {
        guard !items.isEmpty else { return [] }
        let ids = items.map(\.caseID)
        let logger = database.logger
        let purged: [String] = try await database.transaction { connection in
            // Locks the rows; a hold placed since evaluation still wins.
            var chosen: Set<String> = []
            let rows = try await connection.query(
                """
                SELECT c.id FROM cases c WHERE c.id = ANY(\(ids))
                AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.case_id = c.id) FOR UPDATE OF c
                """,
                logger: logger
            )
            for try await id in rows.decode(String.self) { chosen.insert(id) }
            let picked = items.filter { chosen.contains($0.caseID) }
            guard !picked.isEmpty else { return [] }
            let pickedIDs = picked.map(\.caseID)
            try await connection.query("DELETE FROM cases WHERE id = ANY(\(pickedIDs))", logger: logger)
            try await connection.query("DELETE FROM party_index WHERE case_id = ANY(\(pickedIDs))", logger: logger)
            try await connection.query(
                """
                INSERT INTO retention_tombstones (case_id, sweep_id, rule, category, purged_at, key_destroyed)
                SELECT id, \(sweepID), rule, category, now(), FALSE
                FROM unnest(\(pickedIDs)::text[], \(picked.map(\.rule))::text[], \(picked.map(\.category))::text[]) AS t(id, rule, category)
                """,
                logger: logger
            )
            return pickedIDs
        }
        try await deleteKeys(purged)
        return purged
    }

    private func deleteKeys(_ caseIDs: [String]) async throws {
        guard !caseIDs.isEmpty else { return }
        try await database.mapErrors {
            try await database.keyClient.query("DELETE FROM casegate_keys.data_keys WHERE case_id = ANY(\(caseIDs))", logger: database.logger)
        }
    }

    public func destroyKeys(_ caseIDs: [String]) async throws {
        guard !caseIDs.isEmpty else { return }
        try await deleteKeys(caseIDs)
        try await database.mapErrors {
            try await database.client.query(
                "UPDATE retention_tombstones SET key_destroyed = TRUE WHERE case_id = ANY(\(caseIDs))",
                logger: database.logger
            )
        }
    }

    public func recordErasureEntries(_ indices: [String: Int]) async throws {
        guard !indices.isEmpty else { return }
        try await database.mapErrors {
            try await database.client.query(
                """
                UPDATE retention_tombstones t SET ledger_index = u.idx, key_destroyed = TRUE
                FROM unnest(\(Array(indices.keys))::text[], \(Array(indices.values))::bigint[]) AS u(id, idx) WHERE t.case_id = u.id
                """,
                logger: database.logger
            )
        }
    }

    public func unfinishedTombstones() async throws -> [Tombstone] {
        try await tombstones("WHERE key_destroyed = FALSE OR ledger_index IS NULL ORDER BY purged_at", nil)
    }

    public func tombstones(sweepID: String) async throws -> [Tombstone] {
        try await tombstones("WHERE sweep_id = $1 ORDER BY case_id", sweepID)
    }

    private func tombstones(_ clause: String, _ argument: String?) async throws -> [Tombstone] {
        var binds = PostgresBindings()
        if let argument { binds.append(argument) }
        let statement = PostgresQuery(
            unsafeSQL: "SELECT case_id, sweep_id, rule, category, key_destroyed, ledger_index FROM retention_tombstones \(clause)",
            binds: binds
        )
        return try await database.mapErrors {
            try await database.client.query(statement, logger: database.logger).collect().map { row in
                let (id, sweep, rule, category, destroyed, index) = try row.decode((String, String, String, String, Bool, Int?).self)
                return Tombstone(caseID: id, sweepID: sweep, rule: rule, category: category, keyDestroyed: destroyed, ledgerIndex: index)
            }
        }
    }

    // MARK: Holds

    public func placeHold(caseID: String, reason: String, by user: String) async throws -> Bool {
        try await database.transaction { connection in try await placeHold(caseID: caseID, reason: reason, by: user, connection) }
    }

    public func liftHold(caseID: String) async throws -> Bool {
        try await database.transaction { connection in try await liftHold(caseID: caseID, connection) }
    }

    public func placeHold(caseID: String, reason: String, by user: String, recordedBy draft: LedgerDraft, in ledger: Ledger) async throws -> Bool {
        try await ledger.recordHoldChange(
            draft,
            effect: PostgresLedgerEffect { connection in
                guard try await placeHold(caseID: caseID, reason: reason, by: user, connection) else { throw HoldUnchanged() }
            }
        )
    }

    public func liftHold(caseID: String, recordedBy draft: LedgerDraft, in ledger: Ledger) async throws -> Bool {
        try await ledger.recordHoldChange(
            draft,
            effect: PostgresLedgerEffect { connection in
                guard try await liftHold(caseID: caseID, connection) else { throw HoldUnchanged() }
            }
        )
    }

    private func placeHold(caseID: String, reason: String, by user: String, _ connection: PostgresConnection) async throws -> Bool {
        let exists = try await connection.query("SELECT 1 FROM cases WHERE id = \(caseID) FOR SHARE", logger: database.logger).collect()
        guard !exists.isEmpty else { throw StorageError.notFound(caseID: caseID) }
        return try await connection.query(
            """
            INSERT INTO legal_holds (case_id, reason, placed_by, placed_at) VALUES (\(caseID), \(reason), \(user), now())
            ON CONFLICT (case_id) DO NOTHING RETURNING case_id
            """,
            logger: database.logger
        ).collect().count == 1
    }

    private func liftHold(caseID: String, _ connection: PostgresConnection) async throws -> Bool {
        try await connection.query("DELETE FROM legal_holds WHERE case_id = \(caseID) RETURNING case_id", logger: database.logger)
            .collect().count == 1
    }

    public func holds() async throws -> [LegalHold] {
        try await database.mapErrors {
            try await database.client.query(
                "SELECT case_id, reason, placed_by, placed_at FROM legal_holds ORDER BY placed_at",
                logger: database.logger
            )
            .collect().map { row in
                let (id, reason, by, at) = try row.decode((String, String, String, Date).self)
                return LegalHold(caseID: id, reason: reason, placedBy: by, placedAt: at)
            }
        }
    }

    // MARK: Sweeps

    public func saveSweep(_ sweep: SweepRecord) async throws {
        try await database.mapErrors {
            try await database.client.query(
                """
                INSERT INTO retention_sweeps (id, started_at, finished_at, state, dry_run, schedule_version, started_by, summary)
                VALUES (\(sweep.id), \(sweep.startedAt), \(sweep.finishedAt), \(sweep.state), \(sweep.dryRun), \(sweep.scheduleVersion),
                        \(sweep.startedBy), \(sweep.summary))
                ON CONFLICT (id) DO UPDATE SET finished_at = EXCLUDED.finished_at, state = EXCLUDED.state, summary = EXCLUDED.summary
                """,
                logger: database.logger
            )
        }
    }

    public func sweep(id: String) async throws -> SweepRecord? {
        try await sweeps("WHERE id = $1", id).first
    }

    public func sweeps() async throws -> [SweepRecord] {
        try await sweeps("", nil)
    }

    private func sweeps(_ clause: String, _ argument: String?) async throws -> [SweepRecord] {
        var binds = PostgresBindings()
        if let argument { binds.append(argument) }
        let statement = PostgresQuery(
            unsafeSQL: """
                SELECT id, started_at, finished_at, state, dry_run, schedule_version, started_by, summary
                FROM retention_sweeps \(clause) ORDER BY started_at DESC
                """,
            binds: binds
        )
        return try await database.mapErrors {
            try await database.client.query(statement, logger: database.logger).collect().map { row in
                let (id, started, finished, state, dry, version, by, summary) =
                    try row.decode((String, Date, Date?, String, Bool, String, String, Data?).self)
                return SweepRecord(
                    id: id,
                    startedAt: started,
                    finishedAt: finished,
                    state: state,
                    dryRun: dry,
                    scheduleVersion: version,
                    startedBy: by,
                    summary: summary
                )
            }
        }
    }

    public func markInterrupted() async throws {
        try await database.mapErrors {
            try await database.client.query("UPDATE retention_sweeps SET state = 'interrupted' WHERE state = 'running'", logger: database.logger)
        }
    }

    /// Deleted rows stay in the table files as dead tuples until vacuumed. The key table is small, so it is
    /// rewritten (VACUUM FULL: the old file, with the destroyed keys, is removed); the rest is vacuumed so the
    /// space is reused. WAL segments and the server's backups are the server's to manage (see README).
    public func removeResidue() async throws {
        try await database.mapErrors {
            try await database.keyClient.query("VACUUM FULL casegate_keys.data_keys", logger: database.logger)
            try await database.client.query("VACUUM cases, party_index", logger: database.logger)
        }
    }
}

/// A session advisory lock on a dedicated connection.
final class PostgresSweepLease: SweepLease {
    let connection: PostgresConnection

    init(connection: PostgresConnection) {
        self.connection = connection
    }

    func release() async {
        // Closing the session releases the lock.
        try? await connection.close()
    }
}
