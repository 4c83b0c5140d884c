import Foundation

extension LedgerEntry {
    /// What a buffer handed to `index(inCanonical:from:)` holds.
    enum CanonicalPart {
        /// A whole entry, `{` to `}`.
        case whole
        /// The end of an entry: whole members, each after its `,`, then the closing `}`.
        case lastMembers
    }

    /// The index written in canonical bytes, read without a full decode (for verifying millions of entries).
    static func index(inCanonical bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { index(inCanonical: $0) }
    }

    /// The index written in `bytes`, an entry or its end: nil when the member is not there.
    static func index(inCanonical bytes: UnsafeBufferPointer<UInt8>, from part: CanonicalPart = .whole) -> Int? {
        valueRange(of: "index", inCanonical: bytes, from: part).flatMap { decimal(bytes[$0]) }
    }

    /// The index when `bytes`, the end of an entry, begins with the `index` member, as the part after a field
    /// list kept apart does: read forwards, a few bytes, where stepping back from the end crosses every
    /// member after it. nil when the part begins otherwise.
    static func index(leading bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let member: StaticString = #","index":"#
        let start = member.utf8CodeUnitCount
        guard bytes.count > start, memcmp(bytes.baseAddress!, member.utf8Start, start) == 0,
            let end = bytes[start...].firstIndex(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "}") })
        else { return nil }
        return decimal(bytes[start..<end])
    }

    /// A non-negative integer of 1 to 18 digits (one that cannot overflow), as an entry's index is written.
    private static func decimal(_ digits: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
        guard (1...18).contains(digits.count) else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Where a top-level member's value lies, found by stepping over the members after it, from the end
    /// (never by matching text, which could sit inside a string). From the end because keys are in byte
    /// order: `index` is followed only by short members, while the field list before it is often 2 KB,
    /// and verification reads the index of every entry in the log.
    static func valueRange(of key: StaticString, inCanonical bytes: UnsafeBufferPointer<UInt8>, from part: CanonicalPart = .whole) -> Range<Int>? {
        guard bytes.count >= 2, bytes.last == UInt8(ascii: "}") else { return nil }
        guard part == .lastMembers || bytes.first == UInt8(ascii: "{") else { return nil }
        let name = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        var end = bytes.count - 1  // the member ends before the `,` or `}` here
        while end > 1 {
            guard let valueStart = JSONSkipBack.value(bytes, endingBefore: end), valueStart >= 4,
                bytes[valueStart - 1] == UInt8(ascii: ":"), bytes[valueStart - 2] == UInt8(ascii: "\""),
                let keyStart = JSONSkipBack.string(bytes, closingQuoteAt: valueStart - 2)
            else { return nil }
            if UnsafeBufferPointer(rebasing: bytes[(keyStart + 1)..<(valueStart - 2)]).elementsEqual(name) { return valueStart..<end }
            guard keyStart >= 1, bytes[keyStart - 1] == UInt8(ascii: ",") else { return nil }
            end = keyStart - 1
        }
        return nil
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
