import ByteEncoding
import Foundation
import GRDB
import Ledger
import Storage

/// How the SQLite store writes and reads entries whose field lists are kept once (`FieldLists`).
extension FieldLists {
    /// An entry as written: its bytes without the list, the list's id, and where the list goes back.
    struct Split {
        var bytes: [UInt8]
        var listID: Int64?
        var listAt: Int?
    }

    /// Splits a row's bytes when its list is long enough, finding or storing the list in this transaction;
    /// ids first seen here go into `found`, for `Known.remember` after the commit.
    static func split(_ row: LedgerRow, known: Known, found: inout [ByteKey: Int64], _ db: Database) throws -> Split {
        guard let (list, at, before, after) = row.parts else { return Split(bytes: row.stored.bytes) }
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
        var rest: [UInt8] = []
        rest.reserveCapacity(before.count + after.count)
        rest += before
        rest += after
        return Split(bytes: rest, listID: id, listAt: at)
    }

    /// An entry's canonical bytes from a row of `columns`.
    static func stored(_ row: Row) -> StoredLedgerEntry {
        let (bytes, list) = (row[1] as Data, row[4] as Data? ?? Data())
        return bytes.withUnsafeBytes { bytes in
            list.withUnsafeBytes { rejoined(index: row[0], bytes: bytes, leafHash: Array(row[2] as Data), listAt: row[3], list: $0) }
        }
    }

    /// Entries from `index` in order, as a verifier reads the whole log: one pass along the table without
    /// the join, each list read once a page, each entry built from the row's bytes in place.
    static func entries(from index: Int, limit: Int, _ db: Database) throws -> [StoredLedgerEntry] {
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT idx, entry, leaf_hash, fields_at, fields_list FROM ledger_entries WHERE idx >= ? ORDER BY idx LIMIT ?"),
            arguments: [index, limit]
        )
        let listByID = try db.cachedStatement(sql: "SELECT list FROM ledger_field_lists WHERE id = ?")
        var lists: [Int64: [UInt8]] = [:]
        var entries: [StoredLedgerEntry] = []
        entries.reserveCapacity(min(limit, 100_000))
        while let row = try rows.next() {
            var list: [UInt8] = []
            if let id = row[4] as Int64? {
                if let known = lists[id] {
                    list = known
                } else {
                    list = try Data.fetchOne(listByID, arguments: [id]).map { Array($0) } ?? []
                    lists[id] = list
                }
            }
            // Through raw buffers: copying out of `Data` goes byte by byte.
            let leafHash = try row.withUnsafeData(atIndex: 2) { ($0 ?? Data()).withUnsafeBytes { Array($0) } }
            let entry = try row.withUnsafeData(atIndex: 1) { bytes in
                (bytes ?? Data()).withUnsafeBytes { bytes in
                    list.withUnsafeBytes { rejoined(index: row[0], bytes: bytes, leafHash: leafHash, listAt: row[3], list: $0) }
                }
            }
            entries.append(entry)
        }
        return entries
    }
}
