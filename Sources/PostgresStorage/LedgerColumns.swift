import ByteEncoding
import Ledger
import NIOCore
import Storage

/// A batch's ledger rows as one array a column, the way both of the store's inserts bind them
/// (`unnest`): a field list long enough to keep once is replaced by its stored id, and each case the
/// entry names is a link row.
struct LedgerColumns {
    var idx: [Int] = []
    var entry: [ByteBuffer] = []
    var leaf: [ByteBuffer] = []
    var time: [String] = []
    var action: [String] = []
    var actor: [String] = []
    /// Empty for none (SQL `NULLIF`), as `purpose`.
    var recipient: [String] = []
    var purpose: [String] = []
    /// -1 where the list is inline, as `listAt`.
    var listID: [Int64] = []
    var listAt: [Int] = []
    var linkCase: [String] = []
    var linkIndex: [Int] = []

    /// Nil when a row's field list has no id in `storedLists` or `found`: it has yet to be stored.
    init?(_ rows: [LedgerRow], storedLists: FieldLists.Known, found: [ByteKey: Int64] = [:]) {
        for row in rows {
            let (e, stored) = (row.entry, row.stored)
            idx.append(stored.index)
            if let (list, at, before, after) = row.parts {
                guard let id = storedLists.id(for: list) ?? found[list] else { return nil }
                var rest = ByteBuffer()
                rest.reserveCapacity(before.count + after.count)
                rest.writeBytes(before)
                rest.writeBytes(after)
                entry.append(rest)
                listID.append(id)
                listAt.append(at)
            } else {
                entry.append(ByteBuffer(bytes: stored.bytes))
                listID.append(-1)
                listAt.append(-1)
            }
            leaf.append(ByteBuffer(bytes: stored.leafHash))
            time.append(e.time)
            action.append(e.action.rawValue)
            actor.append(e.actor.id)
            recipient.append(e.recipient ?? "")
            purpose.append(e.purpose ?? "")
            for caseID in row.caseLinks {
                linkCase.append(caseID)
                linkIndex.append(stored.index)
            }
        }
    }
}
