import Foundation

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
    /// matching text, which could sit inside a string). Over the raw buffer: verifying a million entries
    /// steps over a million field lists on the way to `index`.
    static func valueRange(of key: StaticString, inCanonical bytes: [UInt8]) -> Range<Int>? {
        bytes.withUnsafeBufferPointer { bytes in
            guard bytes.first == UInt8(ascii: "{") else { return nil }
            let name = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
            var i = 1
            while i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
                guard let keyEnd = JSONSkip.string(bytes, from: i), keyEnd < bytes.count, bytes[keyEnd] == UInt8(ascii: ":") else { return nil }
                let isKey = UnsafeBufferPointer(rebasing: bytes[(i + 1)..<(keyEnd - 1)]).elementsEqual(name)
                let valueStart = keyEnd + 1
                guard let valueEnd = JSONSkip.value(bytes, from: valueStart) else { return nil }
                if isKey { return valueStart..<valueEnd }
                guard valueEnd < bytes.count, bytes[valueEnd] == UInt8(ascii: ",") else { return nil }
                i = valueEnd + 1
            }
            return nil
        }
    }
}

/// Steps over one JSON value in well-formed, compact JSON (canonical entries have no white space).
enum JSONSkip {
    /// From an opening quote to just past the closing one: `memchr` to each quote, then the backslashes
    /// before it counted (an even number leaves it unescaped).
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var i = start + 1
        while i < bytes.count {
            guard let found = memchr(base + i, Int32(UInt8(ascii: "\"")), bytes.count - i) else { return nil }
            let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            var backslashes = 0
            while quote - backslashes - 1 > start, bytes[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes.isMultiple(of: 2) { return quote + 1 }
            i = quote + 1
        }
        return nil
    }

    /// From a value's first byte to just past its last.
    static func value(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
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
