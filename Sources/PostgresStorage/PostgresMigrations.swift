import Logging
import PostgresNIO
import Storage

/// Every schema change, in order; add new ones at the end. Applied at start under an
/// advisory lock, so instances starting together apply each exactly once.
enum PostgresMigrations {
    static let all: [(name: String, sql: [String])] = [
        (
            "v1-cases",
            [
                """
                CREATE TABLE cases (
                    seq BIGINT PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    reference TEXT NOT NULL UNIQUE,
                    incident_type TEXT NOT NULL,
                    category TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    status TEXT NOT NULL,
                    ward TEXT NOT NULL,
                    risk_flag BOOLEAN NOT NULL,
                    has_police_reference BOOLEAN NOT NULL,
                    received_at TIMESTAMPTZ NOT NULL,
                    closed_at TIMESTAMPTZ,
                    updated_at TIMESTAMPTZ NOT NULL,
                    outstanding_due TEXT,
                    version BIGINT NOT NULL,
                    sealed BYTEA NOT NULL,
                    flags TEXT NOT NULL DEFAULT ''
                )
                """,
                "CREATE INDEX cases_by_category_status ON cases (category, status)",
                "CREATE INDEX cases_by_ward ON cases (ward)",
                "CREATE INDEX cases_by_outstanding_due ON cases (outstanding_due)",
                "CREATE INDEX cases_by_updated_at ON cases (updated_at)",
                // Data keys in their own schema, so `pg_dump --exclude-schema=casegate_keys` makes a backup a purge shreds.
                "CREATE SCHEMA casegate_keys",
                "CREATE TABLE casegate_keys.data_keys (case_id TEXT PRIMARY KEY, wrapped_key BYTEA NOT NULL, created_at TIMESTAMPTZ NOT NULL)",
                // Keyed hashes of (name, date of birth) per party: subject access without decrypting every case.
                "CREATE TABLE party_index (lookup BYTEA NOT NULL, case_id TEXT NOT NULL, PRIMARY KEY (lookup, case_id))",
                "CREATE INDEX party_index_by_case ON party_index (case_id)",
            ]
        ),
        (
            "v1-staff-users",
            [
                """
                CREATE TABLE staff_users (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, token_hash BYTEA NOT NULL,
                    created_at TIMESTAMPTZ NOT NULL, revoked_at TIMESTAMPTZ
                )
                """
            ]
        ),
        (
            "v1-ledger",
            [
                """
                CREATE TABLE ledger_entries (
                    idx BIGINT PRIMARY KEY, entry BYTEA NOT NULL, leaf_hash BYTEA NOT NULL, time TEXT NOT NULL,
                    action TEXT NOT NULL, actor_id TEXT NOT NULL, recipient TEXT, purpose TEXT
                )
                """,
                "CREATE INDEX ledger_by_recipient ON ledger_entries (recipient, idx)",
                "CREATE INDEX ledger_by_action ON ledger_entries (action, idx)",
                "CREATE INDEX ledger_by_time ON ledger_entries (time)",
                "CREATE TABLE ledger_entry_cases (case_id TEXT NOT NULL, idx BIGINT NOT NULL, PRIMARY KEY (case_id, idx))",
                "CREATE TABLE ledger_checkpoints (size BIGINT PRIMARY KEY, note TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)",
            ]
        ),
        (
            "v1-retention",
            [
                "CREATE TABLE legal_holds (case_id TEXT PRIMARY KEY, reason TEXT NOT NULL, placed_by TEXT NOT NULL, placed_at TIMESTAMPTZ NOT NULL)",
                """
                CREATE TABLE retention_sweeps (
                    id TEXT PRIMARY KEY, started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ, state TEXT NOT NULL,
                    dry_run BOOLEAN NOT NULL, schedule_version TEXT NOT NULL, started_by TEXT NOT NULL, summary BYTEA
                )
                """,
                """
                CREATE TABLE retention_tombstones (
                    case_id TEXT PRIMARY KEY, sweep_id TEXT NOT NULL, rule TEXT NOT NULL, category TEXT NOT NULL,
                    purged_at TIMESTAMPTZ NOT NULL, key_destroyed BOOLEAN NOT NULL, ledger_index BIGINT
                )
                """,
                "CREATE INDEX retention_tombstones_by_sweep ON retention_tombstones (sweep_id)",
            ]
        ),
        (
            "v1-meta",
            [
                // A check value of the master key: an instance started with another key refuses to run.
                "CREATE TABLE casegate_meta (name TEXT PRIMARY KEY, value BYTEA NOT NULL)"
            ]
        ),
        (
            "v2-staff-sessions",
            [
                // IG console sign-ins, shared by every instance: the cookie's secret only as a hash.
                """
                CREATE TABLE staff_sessions (
                    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, secret_hash BYTEA NOT NULL, csrf_token TEXT NOT NULL,
                    created_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL
                )
                """,
                "CREATE INDEX staff_sessions_by_user ON staff_sessions (user_id)",
            ]
        ),
        (
            "v3-case-changes",
            [
                // The change mark (`CaseStore.changeMark`), moved in the same transaction as any change to a case,
                // by whichever instance or tool makes it. Once a statement, not once a row: a purge batch is one statement.
                "CREATE TABLE case_changes (id INT PRIMARY KEY CHECK (id = 1), mark BIGINT NOT NULL)",
                "INSERT INTO case_changes (id, mark) VALUES (1, 0)",
                """
                CREATE FUNCTION casegate_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE case_changes SET mark = mark + 1 WHERE id = 1;
                    RETURN NULL;
                END $$
                """,
                """
                CREATE TRIGGER case_changes_on_change AFTER UPDATE OR DELETE OR TRUNCATE ON cases
                FOR EACH STATEMENT EXECUTE FUNCTION casegate_case_changed()
                """,
            ]
        ),
        (
            "v4-ledger-field-lists",
            [
                // Disclosed-field lists kept once (`FieldLists`, as in SQLite); entries written before keep theirs inline.
                // Found by the list's SHA-256: a B-tree entry cannot hold a value as long as a large policy's list.
                "CREATE TABLE ledger_field_lists (id BIGSERIAL PRIMARY KEY, digest BYTEA NOT NULL UNIQUE, list BYTEA NOT NULL)",
                "ALTER TABLE ledger_entries ADD COLUMN fields_list BIGINT REFERENCES ledger_field_lists (id), ADD COLUMN fields_at INTEGER",
            ]
        ),
        (
            "v5-ledger-case-links",
            [
                // Entries by case, grouped by stretch of the log first (`CaseLinkBuckets`), as in SQLite: keyed by case
                // alone, every append wrote a page at a random place in an index as long as the log.
                "CREATE TABLE ledger_case_links (bucket BIGINT NOT NULL, case_id TEXT NOT NULL, idx BIGINT NOT NULL, PRIMARY KEY (bucket, case_id, idx))",
                "INSERT INTO ledger_case_links (bucket, case_id, idx) SELECT idx >> \(CaseLinkBuckets.shift), case_id, idx FROM ledger_entry_cases ORDER BY idx",
                "DROP TABLE ledger_entry_cases",
            ]
        ),
        (
            "v6-ledger-tile-roots",
            [
                // The roots of the tree's complete tiles (`LedgerStore.tileRoots`), as in SQLite: opening a long log
                // reads one hash a tile instead of every leaf.
                "CREATE TABLE ledger_tile_roots (height INTEGER NOT NULL, tile BIGINT NOT NULL, root BYTEA NOT NULL, PRIMARY KEY (height, tile))"
            ]
        ),
        (
            "v7-master-key-rotation",
            [
                // Which master key wraps each data key, and the one new keys are wrapped with: a rotation's progress.
                // The row exists from the start so that writers can lock it (`PostgresDataKeys.insert`).
                "ALTER TABLE casegate_keys.data_keys ADD COLUMN wrapped_by BYTEA",
                "CREATE TABLE casegate_keys.key_state (name TEXT PRIMARY KEY, value BYTEA)",
                "INSERT INTO casegate_keys.key_state (name, value) VALUES ('write_key', NULL)",
            ]
        ),
        (
            "v8-ledger-notices",
            [
                // A partner's change feed reads its notices in order: one range of this index, not every disclosure.
                "CREATE INDEX ledger_by_recipient_action ON ledger_entries (recipient, action, idx)"
            ]
        ),
        (
            "v9-staff-identity",
            [
                // Tokens expire; tokens made before they did get the default 90 days from now.
                "ALTER TABLE staff_users ADD COLUMN token_expires_at TIMESTAMPTZ",
                "ALTER TABLE staff_users ADD COLUMN token_last_used_at TIMESTAMPTZ",
                "ALTER TABLE staff_users ADD COLUMN subject TEXT UNIQUE",
                "UPDATE staff_users SET token_expires_at = now() + interval '90 days'",
            ]
        ),
        (
            "v10-ledger-head",
            [
                // An append's first round trip: the ledger's lock, then the head and the case change mark. The
                // function is VOLATILE, so its query takes a snapshot of its own, after the lock is held.
                """
                CREATE FUNCTION casegate_ledger_head(lock_key BIGINT) RETURNS TABLE (size BIGINT, last_time TEXT, change_mark BIGINT)
                LANGUAGE plpgsql VOLATILE AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock(lock_key);
                    RETURN QUERY SELECT
                        COALESCE((SELECT e.idx + 1 FROM ledger_entries e ORDER BY e.idx DESC LIMIT 1), 0),
                        (SELECT e.time FROM ledger_entries e ORDER BY e.idx DESC LIMIT 1),
                        (SELECT c.mark FROM case_changes c WHERE c.id = 1);
                END $$
                """
            ]
        ),
        (
            "v11-ledger-append",
            [
                // The ledger's insert. A batch in one round trip, when its writer knows the head: under the
                // ledger's lock, the rows go in only if the log still ends where the writer last saw it (size
                // and last time) and the change mark is the one the preconditions name; else nothing is written
                // and it returns false. A batch in a transaction calls it too, with the head it read.
                """
                CREATE FUNCTION casegate_ledger_append(
                    lock_key BIGINT, expected_size BIGINT, expected_last_time TEXT, check_mark BOOLEAN, expected_mark BIGINT,
                    link_shift INTEGER, p_idx BIGINT[], p_entry BYTEA[], p_leaf BYTEA[], p_time TEXT[], p_action TEXT[],
                    p_actor TEXT[], p_recipient TEXT[], p_purpose TEXT[], p_list BIGINT[], p_list_at INTEGER[],
                    p_link_case TEXT[], p_link_idx BIGINT[]
                ) RETURNS BOOLEAN
                LANGUAGE plpgsql VOLATILE AS $$
                DECLARE
                    head RECORD;
                BEGIN
                    SELECT * INTO head FROM casegate_ledger_head(lock_key);
                    IF head.size <> expected_size OR head.last_time IS DISTINCT FROM expected_last_time
                       OR (check_mark AND head.change_mark IS DISTINCT FROM expected_mark) THEN
                        RETURN FALSE;
                    END IF;
                    INSERT INTO ledger_entries (idx, entry, leaf_hash, time, action, actor_id, recipient, purpose, fields_list, fields_at)
                    SELECT r.idx, r.entry, r.leaf, r.time, r.action, r.actor, NULLIF(r.recipient, ''), NULLIF(r.purpose, ''),
                           NULLIF(r.list, -1), NULLIF(r.list_at, -1)
                    FROM unnest(p_idx, p_entry, p_leaf, p_time, p_action, p_actor, p_recipient, p_purpose, p_list, p_list_at)
                         AS r(idx, entry, leaf, time, action, actor, recipient, purpose, list, list_at);
                    INSERT INTO ledger_case_links (bucket, case_id, idx)
                    SELECT r.idx >> link_shift, r.case_id, r.idx FROM unnest(p_link_case, p_link_idx) AS r(case_id, idx);
                    RETURN TRUE;
                END $$
                """
            ]
        ),
        (
            "v12-ledger-action-indexes-partial",
            [
                // Disclosures left out of the indexes by action (`LedgerActionIndexes`), and no index by time: a
                // time bound is an index bound (`casegate_ledger_first_index`), since times never decrease along the
                // log. Three B-trees fewer a disclosure.
                "DROP INDEX ledger_by_action",
                "DROP INDEX ledger_by_recipient_action",
                "DROP INDEX ledger_by_time",
                "CREATE INDEX ledger_by_action ON ledger_entries (action, idx) WHERE \(LedgerActionIndexes.predicate)",
                "CREATE INDEX ledger_by_recipient_action ON ledger_entries (recipient, action, idx) WHERE \(LedgerActionIndexes.predicate)",
                // The first index whose time is at or after `bound` (after it, when `strictly`); the log's size when
                // there is none. A binary search by key: about twenty lookups for a million entries.
                """
                CREATE FUNCTION casegate_ledger_first_index(bound TEXT, strictly BOOLEAN) RETURNS BIGINT
                LANGUAGE plpgsql STABLE AS $$
                DECLARE
                    low BIGINT := 0;
                    high BIGINT;
                    mid BIGINT;
                    t TEXT;
                BEGIN
                    SELECT COALESCE(MAX(idx) + 1, 0) INTO high FROM ledger_entries;
                    WHILE low < high LOOP
                        mid := (low + high) / 2;
                        SELECT e.time INTO t FROM ledger_entries e WHERE e.idx = mid;
                        IF (CASE WHEN strictly THEN t COLLATE "C" > bound COLLATE "C" ELSE t COLLATE "C" >= bound COLLATE "C" END) THEN
                            high := mid;
                        ELSE
                            low := mid + 1;
                        END IF;
                    END LOOP;
                    RETURN low;
                END $$
                """,
            ]
        ),
    ]

    /// A key database's own list (`key_database`): the `casegate_keys` schema as the case database's
    /// migrations leave it, recorded in `casegate_key_migrations`.
    static let keyDatabase: [(name: String, sql: [String])] = [
        (
            "k1-data-keys",
            [
                "CREATE SCHEMA casegate_keys",
                """
                CREATE TABLE casegate_keys.data_keys (
                    case_id TEXT PRIMARY KEY, wrapped_key BYTEA NOT NULL, created_at TIMESTAMPTZ NOT NULL, wrapped_by BYTEA
                )
                """,
                "CREATE TABLE casegate_keys.key_state (name TEXT PRIMARY KEY, value BYTEA)",
                "INSERT INTO casegate_keys.key_state (name, value) VALUES ('write_key', NULL)",
            ]
        )
    ]

    /// Applies what is missing of `migrations`, each in its own transaction, under the migration lock.
    static func migrate(
        _ client: PostgresClient,
        _ migrations: [(name: String, sql: [String])] = all,
        table: String = "schema_migrations",
        logger: Logger
    ) async throws {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(AdvisoryLock.migrations))", logger: logger)
            do {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "CREATE TABLE IF NOT EXISTS \(table) (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"),
                    logger: logger
                )
                var applied: Set<String> = []
                for try await name in try await connection.query(PostgresQuery(unsafeSQL: "SELECT name FROM \(table)"), logger: logger).decode(
                    String.self
                ) {
                    applied.insert(name)
                }
                // A database a newer casegate has migrated is not opened by an older one.
                guard applied.isSubset(of: Set(migrations.map(\.name))) else { throw StorageError.newerSchema(store: "PostgreSQL") }
                for migration in migrations where !applied.contains(migration.name) {
                    try await connection.withTransaction(logger: logger) { connection in
                        for statement in migration.sql { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                        try await connection.query(
                            "INSERT INTO \(unescaped: table) (name, applied_at) VALUES (\(migration.name), now())",
                            logger: logger
                        )
                    }
                }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(AdvisoryLock.migrations))", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(\(AdvisoryLock.migrations))", logger: logger)
        }
    }
}

/// Advisory lock keys: one per thing only one holder may do at a time.
enum AdvisoryLock {
    /// Applying migrations.
    static let migrations: Int64 = 0x6361_7365_6d69_6772  // "casemigr"
    /// Appending to the ledger: the holder sequences the next batch.
    static let ledger: Int64 = 0x6361_7365_6c65_6467  // "caseledg"
    /// Numbering new cases, so recording order is commit order.
    static let caseNumbers: Int64 = 0x6361_7365_6e75_6d62  // "casenumb"
    /// Running a retention sweep.
    static let retentionSweep: Int64 = 0x6361_7365_7377_6570  // "caseswep"
}
