import ByteEncoding
import Foundation
import GRDB
import GRDBSQLite
import Ledger
import Storage

/// How the SQLite store writes and reads entries whose field lists are kept once (`FieldLists`).
extension FieldLists {
    /// An entry as written: its bytes (`before` then `after`, without the list when the list is stored
    /// apart), the list's id, and where the list goes back.
    struct Split {
        var before: ArraySlice<UInt8>
        var after: ArraySlice<UInt8> = []
        var listID: Int64?
        var listAt: Int?
    }

    /// Splits a row's bytes when its list is long enough, finding or storing the list in this transaction;
    /// ids first seen here go into `found`, for `Known.remember` after the commit.
    static func split(_ row: LedgerRow, known: Known, found: inout [ByteKey: Int64], _ db: Database) throws -> Split {
        guard let (list, at, before, after) = row.parts else { return Split(before: row.stored.bytes[...]) }
        let id: Int64
        if let cached = known.id(for: list) ?? found[list] {
            id = cached
        } else {
            let value = Data(list.bytes)
            try db.execute(sql: "INSERT OR IGNORE INTO ledger_field_lists (list) VALUES (?)", arguments: [value])
            guard let stored = try Int64.fetchOne(db, sql: "SELECT id FROM ledger_field_lists WHERE list = ?", arguments: [value]) else {
                throw StorageError.unavailable(reason: "a field list was written and then not found")
            }
            id = stored
            found[list] = stored
        }
        return Split(before: before, after: after, listID: id, listAt: at)
    }

    /// An entry's canonical bytes from a row of `columns`.
    static func stored(_ row: Row) -> StoredLedgerEntry {
        let (bytes, list) = (row[1] as Data, row[4] as Data? ?? Data())
        return bytes.withUnsafeBytes { bytes in
            list.withUnsafeBytes { rejoined(index: row[0], bytes: bytes, leafHash: Array(row[2] as Data), listAt: row[3], list: $0) }
        }
    }

    /// An entry as a row holds it: its index, its bytes without the list, the list (nil when it has none),
    /// where the list goes, and its leaf hash; the buffers are the row's own. Returns whether to read on.
    typealias EntryParts = (
        _ index: Int, _ bytes: UnsafeRawBufferPointer, _ list: UnsafeRawBufferPointer?, _ listAt: Int?, _ leafHash: UnsafeRawBufferPointer
    ) -> Bool

    /// Up to `limit` entries from `index` in order, each handed to `body` (its buffers valid only during the
    /// call) until it returns false: one pass along the table without the join, each list read once a call.
    private static func forEachEntry(from index: Int, limit: Int, _ db: Database, _ body: EntryParts) throws {
        var select = RawBindings(
            try db.cachedStatement(
                sql: "SELECT idx, entry, leaf_hash, fields_at, fields_list FROM ledger_entries WHERE idx >= ? ORDER BY idx LIMIT ?"
            ),
            in: db
        )
        select.bind(index)
        select.bind(limit)
        let listByID = try db.cachedStatement(sql: "SELECT list FROM ledger_field_lists WHERE id = ?")
        var lists: [Int64: [UInt8]] = [:]
        // Straight from SQLite's row buffers: GRDB's `Row` wraps each blob in a `Data` and checks access.
        try select.forEachRow { row in
            var list: [UInt8]?
            if let id = RawBindings.integer(row, 4) {
                if let known = lists[id] {
                    list = known
                } else {
                    list = try Data.fetchOne(listByID, arguments: [id]).map { Array($0) } ?? []
                    lists[id] = list
                }
            }
            let (at, bytes, leafHash) = (RawBindings.integer(row, 3).map(Int.init), RawBindings.blob(row, 1), RawBindings.blob(row, 2))
            let index = Int(sqlite3_column_int64(row, 0))
            guard let list else { return body(index, bytes, nil, at, leafHash) }
            return list.withUnsafeBytes { body(index, bytes, $0, at, leafHash) }
        }
    }

    /// Entries from `index` in order, each put back together with its list.
    static func entries(from index: Int, limit: Int, _ db: Database) throws -> [StoredLedgerEntry] {
        var entries: [StoredLedgerEntry] = []
        entries.reserveCapacity(min(limit, 100_000))
        try forEachEntry(from: index, limit: limit, db) { index, bytes, list, listAt, leafHash in
            entries.append(rejoined(index: index, bytes: bytes, leafHash: Array(leafHash), listAt: listAt, list: list))
            return true
        }
        return entries
    }

    /// Entries from `index` in order, checked in place as a verifier reads the whole log (`CheckedLeaves`).
    static func checkedLeaves(from index: Int, limit: Int, _ db: Database) throws -> CheckedLeaves {
        var checked = CheckedLeaves(first: index, capacity: limit)
        try forEachEntry(from: index, limit: limit, db) { index, bytes, list, listAt, leafHash in
            checked.check(index: index, bytes: bytes, list: list, listAt: listAt, leafHash: leafHash)
        }
        return checked
    }
}
