import Foundation
import GRDB
import Storage

/// Every schema change of the case database, in order. Add new ones at the end.
enum CaseDatabaseMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-cases") { db in
            try db.create(table: "cases") { t in
                t.column("seq", .integer).primaryKey(autoincrement: true)
                t.column("id", .text).notNull().unique()
                t.column("reference", .text).notNull().unique()
                t.column("incident_type", .text).notNull()
                t.column("category", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("status", .text).notNull()
                t.column("ward", .text).notNull()
                t.column("risk_flag", .boolean).notNull()
                t.column("has_police_reference", .boolean).notNull()
                t.column("received_at", .datetime).notNull()
                t.column("closed_at", .datetime)
                t.column("updated_at", .datetime).notNull()
                t.column("outstanding_due", .text)
                t.column("version", .integer).notNull()
                t.column("sealed", .blob).notNull()
            }
            try db.create(index: "cases_by_category_status", on: "cases", columns: ["category", "status"])
            try db.create(index: "cases_by_ward", on: "cases", columns: ["ward"])
            try db.create(index: "cases_by_outstanding_due", on: "cases", columns: ["outstanding_due"])
        }
        migrator.registerMigration("v1-staff-users") { db in
            try db.create(table: "staff_users") { t in
                t.column("id", .text).primaryKey()
                t.column("name", .text).notNull()
                t.column("role", .text).notNull()
                t.column("token_hash", .blob).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("revoked_at", .datetime)
            }
        }
        migrator.registerMigration("v2-ledger") { db in
            try db.create(table: "ledger_entries") { t in
                t.column("idx", .integer).primaryKey()
                t.column("entry", .blob).notNull()
                t.column("leaf_hash", .blob).notNull()
                t.column("time", .text).notNull()
                t.column("action", .text).notNull()
                t.column("actor_id", .text).notNull()
                t.column("recipient", .text)
                t.column("purpose", .text)
            }
            try db.create(index: "ledger_by_recipient", on: "ledger_entries", columns: ["recipient", "idx"])
            try db.create(index: "ledger_by_action", on: "ledger_entries", columns: ["action", "idx"])
            try db.create(table: "ledger_entry_cases", options: .withoutRowID) { t in
                t.column("case_id", .text).notNull()
                t.column("idx", .integer).notNull()
                t.primaryKey(["case_id", "idx"])
            }
            try db.create(table: "ledger_checkpoints") { t in
                t.column("size", .integer).primaryKey()
                t.column("note", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v2-party-index") { db in
            // Keyed hashes of (name, date of birth) per party: subject access without decrypting every case.
            try db.create(table: "party_index") { t in
                t.column("lookup", .blob).notNull()
                t.column("case_id", .text).notNull()
                t.primaryKey(["lookup", "case_id"])
            }
            try db.create(index: "party_index_by_case", on: "party_index", columns: ["case_id"])
        }
        migrator.registerMigration("v3-retention") { db in
            // Flags in clear, so retention rules can be matched without decrypting cases.
            try db.alter(table: "cases") { t in t.add(column: "flags", .text) }
            try db.create(table: "legal_holds") { t in
                t.column("case_id", .text).primaryKey()
                t.column("reason", .text).notNull()
                t.column("placed_by", .text).notNull()
                t.column("placed_at", .datetime).notNull()
            }
            try db.create(table: "retention_sweeps") { t in
                t.column("id", .text).primaryKey()
                t.column("started_at", .datetime).notNull()
                t.column("finished_at", .datetime)
                t.column("state", .text).notNull()
                t.column("dry_run", .boolean).notNull()
                t.column("schedule_version", .text).notNull()
                t.column("started_by", .text).notNull()
                t.column("summary", .blob)
            }
            // A purged case's last trace: which sweep and rule, and whether its key and ledger entry are done.
            try db.create(table: "retention_tombstones") { t in
                t.column("case_id", .text).primaryKey()
                t.column("sweep_id", .text).notNull().indexed()
                t.column("rule", .text).notNull()
                t.column("category", .text).notNull()
                t.column("purged_at", .datetime).notNull()
                t.column("key_destroyed", .boolean).notNull()
                t.column("ledger_index", .integer)
            }
        }
        migrator.registerMigration("v4-staff-sessions") { db in
            // IG console sign-ins: the cookie's secret only as a hash.
            try db.create(table: "staff_sessions") { t in
                t.column("id", .text).primaryKey()
                t.column("user_id", .text).notNull().indexed()
                t.column("secret_hash", .blob).notNull()
                t.column("csrf_token", .text).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("expires_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v5-ledger-case-links") { db in
            // Entries by case, grouped by stretch of the log first (see `CaseLinkBuckets`): keyed by
            // case alone, every append wrote a page at a random place in an index as long as the log.
            try db.create(table: "ledger_case_links", options: .withoutRowID) { t in
                t.column("bucket", .integer).notNull()
                t.column("case_id", .text).notNull()
                t.column("idx", .integer).notNull()
                t.primaryKey(["bucket", "case_id", "idx"])
            }
            try db.execute(
                sql: """
                    INSERT INTO ledger_case_links (bucket, case_id, idx)
                    SELECT idx >> \(CaseLinkBuckets.shift), case_id, idx FROM ledger_entry_cases ORDER BY idx
                    """
            )
            try db.drop(table: "ledger_entry_cases")
        }
        migrator.registerMigration("v6-ledger-field-lists") { db in
            // Disclosed-field lists kept once (see `FieldLists`); earlier entries keep theirs inline.
            try db.create(table: "ledger_field_lists") { t in
                t.column("id", .integer).primaryKey()
                t.column("list", .blob).notNull().unique()
            }
            try db.alter(table: "ledger_entries") { t in
                t.add(column: "fields_list", .integer).references("ledger_field_lists")
                t.add(column: "fields_at", .integer)
            }
        }
        migrator.registerMigration("v7-case-changes") { db in
            // The change mark (`CaseStore.changeMark`): moved by the same transaction as any change to a case,
            // whichever process makes it. A new case needs no mark: nothing about it can be cached before it exists.
            try db.execute(
                sql: """
                    CREATE TABLE case_changes (id INTEGER PRIMARY KEY CHECK (id = 1), mark INTEGER NOT NULL);
                    INSERT INTO case_changes (id, mark) VALUES (1, 0);
                    CREATE TRIGGER case_changes_on_update AFTER UPDATE ON cases BEGIN UPDATE case_changes SET mark = mark + 1; END;
                    CREATE TRIGGER case_changes_on_delete AFTER DELETE ON cases BEGIN UPDATE case_changes SET mark = mark + 1; END;
                    """
            )
        }
        // Immediate foreign-key checks: a new table breaks none, and the deferred check would read the whole ledger.
        migrator.registerMigration("v8-ledger-tile-roots", foreignKeyChecks: .immediate) { db in
            // The roots of the tree's complete tiles (`LedgerStore.tileRoots`): derived from the leaf hashes,
            // recorded so that opening a long log reads one hash a tile instead of every leaf.
            try db.create(table: "ledger_tile_roots", options: .withoutRowID) { t in
                t.column("height", .integer).notNull()
                t.column("tile", .integer).notNull()
                t.column("root", .blob).notNull()
                t.primaryKey(["height", "tile"])
            }
        }
        migrator.registerMigration("v9-casegate-meta", foreignKeyChecks: .immediate) { db in
            // What the store was set up with (`KeyRecords`): the master key's check value, the ledger key.
            try db.create(table: "casegate_meta") { t in
                t.column("name", .text).primaryKey()
                t.column("value", .blob).notNull()
            }
        }
        migrator.registerMigration("v10-ledger-notices", foreignKeyChecks: .immediate) { db in
            // A partner's change feed reads its notices in order: one range of this index, not every disclosure.
            try db.create(index: "ledger_by_recipient_action", on: "ledger_entries", columns: ["recipient", "action", "idx"])
        }
        migrator.registerMigration("v11-staff-identity", foreignKeyChecks: .immediate) { db in
            // Tokens expire; tokens made before they did get the default life from now, not an immediate end.
            try db.alter(table: "staff_users") { t in
                t.add(column: "token_expires_at", .datetime)
                t.add(column: "token_last_used_at", .datetime)
                t.add(column: "subject", .text)
            }
            try db.execute(sql: "UPDATE staff_users SET token_expires_at = ?", arguments: [Date().addingTimeInterval(defaultTokenLifetime)])
            try db.create(index: "staff_users_by_subject", on: "staff_users", columns: ["subject"], unique: true)
        }
        migrator.registerMigration("v12-ledger-action-indexes-partial", foreignKeyChecks: .immediate) { db in
            // Disclosures left out of the indexes by action (`LedgerActionIndexes`): two B-trees fewer a disclosure.
            for (name, columns) in [("ledger_by_action", "action, idx"), ("ledger_by_recipient_action", "recipient, action, idx")] {
                try db.execute(sql: "DROP INDEX \(name)")
                try db.execute(sql: "CREATE INDEX \(name) ON ledger_entries (\(columns)) WHERE \(LedgerActionIndexes.predicate)")
            }
        }
        return migrator
    }
}

/// The key store lives in its own file so data backups can leave it out.
enum KeyStoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-data-keys") { db in
            try db.create(table: "data_keys") { t in
                t.column("case_id", .text).primaryKey()
                t.column("wrapped_key", .blob).notNull()
                t.column("created_at", .datetime).notNull()
            }
        }
        // Which master key wraps each data key, and the one new keys are wrapped with: a rotation's progress.
        migrator.registerMigration("v2-master-key-rotation") { db in
            try db.alter(table: "data_keys") { t in t.add(column: "wrapped_by", .blob) }
            try db.create(table: "key_state") { t in
                t.column("name", .text).primaryKey()
                t.column("value", .blob)
            }
        }
        return migrator
    }
}
