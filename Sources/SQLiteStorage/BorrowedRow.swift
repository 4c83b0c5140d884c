/// One row's values for an insert run many times (`RawBindings.execute(_:)`): its texts and blobs copied
/// into one buffer kept from row to row, and bound from there without SQLite copying them again.
///
/// A text or blob bound as `SQLITE_TRANSIENT` is copied by SQLite into memory it allocates: five
/// allocations for each ledger entry's row. Bound from this buffer (`SQLITE_STATIC`), it is read in
/// place, which is safe because the buffer outlives the statement's one step.
struct BorrowedRow {
    enum Value {
        case integer(Int64)
        case null
        case text(Range<Int>)
        case blob(Range<Int>)
    }

    private(set) var bytes: [UInt8] = []
    private(set) var values: [Value] = []

    init() {
        bytes.reserveCapacity(4096)
        values.reserveCapacity(16)
    }

    /// Empties the row, keeping its storage for the next.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    mutating func append(_ value: Int) {
        values.append(.integer(Int64(value)))
    }

    mutating func append(_ value: Int64?) {
        values.append(value.map(Value.integer) ?? .null)
    }

    mutating func append(text value: String?) {
        guard var value else { return values.append(.null) }
        let start = bytes.count
        value.withUTF8 { bytes.append(contentsOf: $0) }
        values.append(.text(start..<bytes.count))
    }

    /// A blob of `first` then `second`; empty, it is a zero-length blob, never NULL.
    mutating func append(blob first: ArraySlice<UInt8>, _ second: ArraySlice<UInt8> = []) {
        let start = bytes.count
        bytes.append(contentsOf: first)
        bytes.append(contentsOf: second)
        values.append(.blob(start..<bytes.count))
    }
}
