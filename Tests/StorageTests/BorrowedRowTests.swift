import Foundation
import GRDB
import Testing

@testable import SQLiteStorage

/// `RawBindings.execute(_:)` binds a `BorrowedRow`'s texts and blobs in place: what SQLite stores must be
/// exactly what was appended, row after row from the one reused buffer.
@Suite("Borrowed rows")
struct BorrowedRowTests {
    private struct Stored: Equatable {
        var n: Int64?
        var t: String?
        var b: [UInt8]?
        var isBlob: Bool
    }

    @Test("integers, texts, NULLs and blobs, an empty blob not NULL, nothing carried from one row to the next")
    func values() throws {
        let queue = try DatabaseQueue()
        let stored = try queue.write { db -> [Stored] in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, t TEXT, b BLOB)")
            var insert = RawBindings(try db.cachedStatement(sql: "INSERT INTO t (id, n, t, b) VALUES (?, ?, ?, ?)"), in: db)
            var row = BorrowedRow()
            row.append(1)
            row.append(Int64(-7))
            row.append(text: "café, a long text past the small-string size")
            row.append(blob: [1, 2, 3], [4, 5])
            try insert.execute(row)
            row.removeAll()
            row.append(2)
            row.append(nil as Int64?)
            row.append(text: nil)
            row.append(blob: [])
            try insert.execute(row)
            row.removeAll()
            row.append(3)
            row.append(Int64.max)
            row.append(text: "")
            row.append(blob: Array(repeating: 9, count: 5000)[...])
            try insert.execute(row)
            return try Row.fetchAll(db, sql: "SELECT n, t, b, typeof(b) = 'blob' FROM t ORDER BY id").map {
                Stored(n: $0[0], t: $0[1], b: ($0[2] as Data?).map(Array.init), isBlob: $0[3])
            }
        }
        #expect(
            stored == [
                Stored(n: -7, t: "café, a long text past the small-string size", b: [1, 2, 3, 4, 5], isBlob: true),
                Stored(n: nil, t: nil, b: [], isBlob: true),
                Stored(n: .max, t: "", b: Array(repeating: 9, count: 5000), isBlob: true),
            ]
        )
    }
}
