import ByteEncoding
import Foundation
import GRDB
import Ledger
import Synchronization

/// Disclosed-field lists, stored once each (`ledger_field_lists`) and referenced by the entries that
/// carry them. An entry's canonical bytes are kept without the list's value and rebuilt on every read,
/// so hashes, proofs and what readers get are unchanged; an altered or missing list changes the bytes
/// of every entry that uses it, and verification names them.
///
/// Why: under one policy version and purpose every disclosure lists the same fields, about 1.8 KB of a
/// 2.5 KB entry for a police view. Kept once, the ledger is about a third of the size on disk, and
/// every group commit writes that many fewer pages to the log and back.
///
/// The PostgreSQL store keeps lists the same way, with the same `Known` cache and `rejoined`.
public struct FieldLists: Sendable {
    /// Ids of lists known to be committed, by their bytes; bounded, since policies change rarely.
    public final class Known: Sendable {
        private let ids = Mutex<[ByteKey: Int64]>([:])

        public init() {}

        public func id(for list: ByteKey) -> Int64? { ids.withLock { $0[list] } }

        /// Called only after the transaction that found or wrote these ids has committed.
        public func remember(_ found: [ByteKey: Int64]) {
            guard !found.isEmpty else { return }
            ids.withLock { ids in
                if ids.count + found.count > 1024 { ids.removeAll() }
                ids.merge(found) { old, _ in old }
            }
        }
    }

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

    /// The columns an entry is rebuilt from, for `SELECT`s over `ledger_entries e` with `join` (both stores' SQL).
    public static let columns = "e.idx, e.entry, e.leaf_hash, e.fields_at, f.list"
    public static let join = "LEFT JOIN ledger_field_lists f ON f.id = e.fields_list"

    /// An entry's canonical bytes from a row of `columns`.
    static func stored(_ row: Row) -> StoredLedgerEntry {
        rejoined(index: row[0], bytes: Array(row[1] as Data), leafHash: Array(row[2] as Data), listAt: row[3], list: row[4] as Data?)
    }

    /// An entry as stored, its list put back where it was taken out. A list that is missing leaves a gap,
    /// and the entry then fails its hash, as it should.
    public static func rejoined<List: Collection<UInt8>>(index: Int, bytes: [UInt8], leafHash: [UInt8], listAt: Int?, list: List?) -> StoredLedgerEntry {
        var bytes = bytes
        if let listAt, let list, listAt <= bytes.count { bytes.insert(contentsOf: list, at: listAt) }
        return StoredLedgerEntry(index: index, bytes: bytes, leafHash: leafHash)
    }
}
