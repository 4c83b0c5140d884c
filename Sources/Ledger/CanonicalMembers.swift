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

    /// Where a top-level member's value lies, found by stepping over the members before it (never by
    /// matching text, which could sit inside a string).
    static func valueRange(of key: StaticString, inCanonical bytes: [UInt8]) -> Range<Int>? {
        guard bytes.first == UInt8(ascii: "{") else { return nil }
        let name = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        var i = 1
        while i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
            guard let keyEnd = JSONSkip.string(bytes, from: i), keyEnd < bytes.count, bytes[keyEnd] == UInt8(ascii: ":") else { return nil }
            let isKey = bytes[(i + 1)..<(keyEnd - 1)].elementsEqual(name)
            let valueStart = keyEnd + 1
            guard let valueEnd = JSONSkip.value(bytes, from: valueStart) else { return nil }
            if isKey { return valueStart..<valueEnd }
            guard valueEnd < bytes.count, bytes[valueEnd] == UInt8(ascii: ",") else { return nil }
            i = valueEnd + 1
        }
        return nil
    }
}

/// Steps over one JSON value in well-formed, compact JSON (canonical entries have no white space).
enum JSONSkip {
    /// From an opening quote to just past the closing one.
    static func string(_ bytes: [UInt8], from start: Int) -> Int? {
        var i = start + 1
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "\""): return i + 1
            default: i += 1
            }
        }
        return nil
    }

    /// From a value's first byte to just past its last.
    static func value(_ bytes: [UInt8], from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return string(bytes, from: start)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            var depth = 0
            var i = start
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    guard let end = string(bytes, from: i) else { return nil }
                    i = end
                    continue
                case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default: break
                }
                i += 1
            }
            return nil
        default:
            var i = start
            while i < bytes.count, bytes[i] != UInt8(ascii: ","), bytes[i] != UInt8(ascii: "}"), bytes[i] != UInt8(ascii: "]") { i += 1 }
            return i > start ? i : nil
        }
    }
}
