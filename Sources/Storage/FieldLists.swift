import ByteEncoding
import Foundation
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
package struct FieldLists: Sendable {
    /// Ids of lists known to be committed, by their bytes; bounded, since policies change rarely.
    package final class Known: Sendable {
        private let ids = Mutex<[ByteKey: Int64]>([:])

        package init() {}

        package func id(for list: ByteKey) -> Int64? { ids.withLock { $0[list] } }

        /// Called only after the transaction that found or wrote these ids has committed.
        package func remember(_ found: [ByteKey: Int64]) {
            guard !found.isEmpty else { return }
            ids.withLock { ids in
                if ids.count + found.count > 1024 { ids.removeAll() }
                ids.merge(found) { old, _ in old }
            }
        }
    }

    /// The columns an entry is rebuilt from, for `SELECT`s over `ledger_entries e` with `join` (both stores' SQL).
    package static let columns = "e.idx, e.entry, e.leaf_hash, e.fields_at, f.list"
    package static let join = "LEFT JOIN ledger_field_lists f ON f.id = e.fields_list"

    /// An entry as stored, its list put back where it was taken out, built in one allocation from raw
    /// buffers (a generic collection here costs a metadata lookup and a byte-by-byte copy an entry). An
    /// entry without a list passes an empty one; so does one whose list is missing, which leaves a gap,
    /// and the entry then fails its hash, as it should.
    package static func rejoined(
        index: Int,
        bytes: UnsafeRawBufferPointer,
        leafHash: [UInt8],
        listAt: Int?,
        list: UnsafeRawBufferPointer?
    ) -> StoredLedgerEntry {
        guard let listAt, let list, listAt >= 0, listAt <= bytes.count else {
            return StoredLedgerEntry(index: index, bytes: Array(bytes), leafHash: leafHash)
        }
        let joined = [UInt8](unsafeUninitializedCapacity: bytes.count + list.count) { buffer, count in
            let out = UnsafeMutableRawBufferPointer(buffer)
            out.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<listAt]))
            UnsafeMutableRawBufferPointer(rebasing: out[listAt...]).copyMemory(from: list)
            UnsafeMutableRawBufferPointer(rebasing: out[(listAt + list.count)...]).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: bytes[listAt...])
            )
            count = bytes.count + list.count
        }
        return StoredLedgerEntry(index: index, bytes: joined, leafHash: leafHash)
    }
}
