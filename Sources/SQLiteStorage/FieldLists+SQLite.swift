import ByteEncoding
import Foundation
import GRDB
import Ledger
import Storage

/// How the SQLite store writes and reads entries whose field lists are kept once (`FieldLists`).
extension FieldLists {
    /// An entry as written: its bytes without the list, the list's id, and where the list goes back.
    struct Split {
        var bytes: Data
        var listID: Int64?
        var listAt: Int?
    }

    /// Splits a row's bytes when its list is long enough, finding or storing the list in this transaction;
    /// ids first seen here go into `found`, for `Known.remember` after the commit.
    static func split(_ row: LedgerRow, known: Known, found: inout [ByteKey: Int64], _ db: Database) throws -> Split {
        guard let (list, at, before, after) = row.parts else { return Split(bytes: Data(row.stored.bytes)) }
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
        var rest = Data(capacity: before.count + after.count)
        rest += before
        rest += after
        return Split(bytes: rest, listID: id, listAt: at)
    }

    /// An entry's canonical bytes from a row of `columns`.
    static func stored(_ row: Row) -> StoredLedgerEntry {
        rejoined(index: row[0], bytes: Array(row[1] as Data), leafHash: Array(row[2] as Data), listAt: row[3], list: row[4] as Data?)
    }
}
