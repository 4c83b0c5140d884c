extension LedgerEntry {
    /// The index written in canonical bytes, read without a full decode (for verifying millions of entries).
    static func index(inCanonical bytes: [UInt8]) -> Int? {
        guard let range = valueRange(of: "index", inCanonical: bytes), range.count <= 18 else { return nil }
        var value = 0
        for byte in bytes[range] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Where a top-level member's value lies, found by stepping over the members after it, from the end
    /// (never by matching text, which could sit inside a string). From the end because keys are in byte
    /// order: `index` is followed only by short members, while the field list before it is often 2 KB,
    /// and verification reads the index of every entry in the log.
    static func valueRange(of key: StaticString, inCanonical bytes: [UInt8]) -> Range<Int>? {
        bytes.withUnsafeBufferPointer { bytes in
            guard bytes.count >= 2, bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
            let name = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
            var end = bytes.count - 1  // the member ends before the `,` or `}` here
            while end > 1 {
                guard let valueStart = JSONSkipBack.value(bytes, endingBefore: end), valueStart >= 4,
                    bytes[valueStart - 1] == UInt8(ascii: ":"), bytes[valueStart - 2] == UInt8(ascii: "\""),
                    let keyStart = JSONSkipBack.string(bytes, closingQuoteAt: valueStart - 2)
                else { return nil }
                if UnsafeBufferPointer(rebasing: bytes[(keyStart + 1)..<(valueStart - 2)]).elementsEqual(name) { return valueStart..<end }
                guard keyStart >= 2, bytes[keyStart - 1] == UInt8(ascii: ",") else { return nil }
                end = keyStart - 1
            }
            return nil
        }
    }
}

/// Steps back over one JSON value in well-formed, compact JSON (canonical entries have no white space).
/// A quote is a string's delimiter when an even number of backslashes stands before it.
enum JSONSkipBack {
    /// From a string's closing quote back to its opening one.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, closingQuoteAt close: Int) -> Int? {
        guard escapes(bytes, before: close).isMultiple(of: 2) else { return nil }
        var i = close - 1
        while i >= 0 {
            if bytes[i] == UInt8(ascii: "\""), escapes(bytes, before: i).isMultiple(of: 2) { return i }
            i -= 1
        }
        return nil
    }

    /// The first byte of the value whose last byte is just before `end`.
    static func value(_ bytes: UnsafeBufferPointer<UInt8>, endingBefore end: Int) -> Int? {
        guard end >= 1 else { return nil }
        switch bytes[end - 1] {
        case UInt8(ascii: "\""):
            return string(bytes, closingQuoteAt: end - 1)
        case UInt8(ascii: "]"), UInt8(ascii: "}"):
            var depth = 0
            var i = end - 1
            while i >= 0 {
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    guard let open = string(bytes, closingQuoteAt: i) else { return nil }
                    i = open
                case UInt8(ascii: "]"), UInt8(ascii: "}"): depth += 1
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth -= 1
                    if depth == 0 { return i }
                default: break
                }
                i -= 1
            }
            return nil
        default:
            var i = end
            while i > 0, bytes[i - 1] != UInt8(ascii: ":"), bytes[i - 1] != UInt8(ascii: ","), bytes[i - 1] != UInt8(ascii: "[") { i -= 1 }
            return i < end && i > 0 ? i : nil
        }
    }

    private static func escapes(_ bytes: UnsafeBufferPointer<UInt8>, before position: Int) -> Int {
        var count = 0
        while position - count - 1 >= 0, bytes[position - count - 1] == UInt8(ascii: "\\") { count += 1 }
        return count
    }
}
