import GRDB
import GRDBSQLite

/// A cached statement run with its values bound straight from Swift's buffers, for the ledger's inserts,
/// the verifier's reads and the disclosure path's point reads: GRDB's `StatementArguments` box each value
/// (an existential, a `DatabaseValue`, a copy), which was about a third of an entry's insert, and its
/// cursor and `Row` are allocations a single-row read does not need. SQLite copies each value bound one at
/// a time (`SQLITE_TRANSIENT`), so no buffer has to outlive its call; a `BorrowedRow`'s are read in place
/// during the one step that uses them. Failures are GRDB's `DatabaseError`, as from any other statement.
struct RawBindings {
    private let statement: Statement
    private let database: Database
    private var position: Int32 = 0

    init(_ statement: Statement, in database: Database) {
        self.statement = statement
        self.database = database
    }

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    mutating func bind(_ value: Int) {
        position += 1
        sqlite3_bind_int64(statement.sqliteStatement, position, Int64(value))
    }

    mutating func bind(_ value: String) {
        var value = value
        position += 1
        _ = value.withUTF8 { sqlite3_bind_text(statement.sqliteStatement, position, $0.baseAddress, Int32($0.count), Self.transient) }
    }

    /// Runs the statement with the values bound so far, handing `row` each result row in turn (its columns
    /// read with `sqlite3_column_*`, valid only during the call) until it returns false or the rows end;
    /// then clears the bindings for the next run.
    mutating func forEachRow(_ row: (OpaquePointer) throws -> Bool) throws {
        let handle = statement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            position = 0
        }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw failure(code) }
            if try !row(handle) { return }
        }
    }

    /// Runs the statement with the values bound so far and reads its first row with `read`; nil when it has none.
    mutating func firstRow<T>(_ read: (OpaquePointer) throws -> T) throws -> T? {
        var value: T?
        try forEachRow { row in
            value = try read(row)
            return false
        }
        return value
    }

    /// A column's text; nil when it is NULL.
    static func text(_ row: OpaquePointer, _ column: Int32) -> String? {
        guard let start = sqlite3_column_text(row, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: start, count: Int(sqlite3_column_bytes(row, column))), as: UTF8.self)
    }

    /// A column's bytes, without a copy: valid until the row's call returns.
    static func blob(_ row: OpaquePointer, _ column: Int32) -> UnsafeRawBufferPointer {
        let start = sqlite3_column_blob(row, column)
        return UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : Int(sqlite3_column_bytes(row, column)))
    }

    /// A column's integer; nil when it is NULL.
    static func integer(_ row: OpaquePointer, _ column: Int32) -> Int64? {
        sqlite3_column_type(row, column) == SQLITE_NULL ? nil : sqlite3_column_int64(row, column)
    }

    private func failure(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(database.sqliteConnection)), sql: statement.sql)
    }

    /// Runs the statement once with `row`'s values, its texts and blobs read in place, then clears them.
    mutating func execute(_ row: BorrowedRow) throws {
        let handle = statement.sqliteStatement
        try row.bytes.withUnsafeBytes { bytes in
            // A zero-length blob needs a pointer that is not null, or SQLite binds NULL.
            let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            for value in row.values {
                position += 1
                switch value {
                case .integer(let value): sqlite3_bind_int64(handle, position, value)
                case .null: sqlite3_bind_null(handle, position)
                case .text(let range):
                    sqlite3_bind_text(handle, position, (base + range.lowerBound).assumingMemoryBound(to: CChar.self), Int32(range.count), nil)
                case .blob(let range):
                    sqlite3_bind_blob(handle, position, base + range.lowerBound, Int32(range.count), nil)
                }
            }
            // The step reads the bound bytes; `execute` clears the bindings before they go out of scope.
            try execute()
        }
    }

    /// Runs the statement once with the values bound so far, then clears them for the next row.
    mutating func execute() throws {
        let handle = statement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            position = 0
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw failure(code) }
    }
}
