/// JSON string literals written straight into bytes: runs that need no escape are copied whole, and
/// only `"`, `\` and control characters are escaped (short forms where JSON has them). Views and
/// ledger entries are written this way on every disclosure.
public enum JSONString {
    @inlinable
    public static func append<Sink: ByteSink & ~Copyable>(_ string: String, to out: inout Sink) {
        out.append(UInt8(ascii: "\""))
        appendContents(of: string, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// Appends a string's text escaped for use inside a JSON string literal, without the quotes.
    @inlinable
    public static func appendContents<Sink: ByteSink & ~Copyable>(of string: String, to out: inout Sink) {
        if string.utf8.withContiguousStorageIfAvailable({ appendContents($0, to: &out) }) == nil {
            var string = string
            string.withUTF8 { appendContents($0, to: &out) }
        }
    }

    /// Appends UTF-8 text escaped for use inside a JSON string literal, without the quotes.
    @inlinable
    public static func appendContents<Sink: ByteSink & ~Copyable>(_ utf8: UnsafeBufferPointer<UInt8>, to out: inout Sink) {
        guard let base = utf8.baseAddress else { return }
        // The common case in one or two tests: eight bytes or more, none needing an escape.
        if utf8.count >= 8 {
            var k = 0
            while k + 8 <= utf8.count && !mayNeedEscape(UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self)) { k += 8 }
            if k == utf8.count
                || (k + 8 > utf8.count
                    && !mayNeedEscape(UnsafeRawPointer(base + utf8.count - 8).loadUnaligned(as: UInt64.self)))
            {
                out.append(contentsOf: utf8)
                return
            }
        }
        var run = 0
        var i = 0
        while i < utf8.count {
            // Eight bytes at a time while none needs an escape: most text has no quote, backslash or control byte.
            if i + 8 <= utf8.count && !mayNeedEscape(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) {
                i += 8
                continue
            }
            let b = base[i]
            if needsEscape(b) {
                out.append(contentsOf: UnsafeBufferPointer(start: base + run, count: i - run))
                appendEscape(b, to: &out)
                run = i + 1
            }
            i += 1
        }
        out.append(contentsOf: UnsafeBufferPointer(start: base + run, count: utf8.count - run))
    }

    /// Whether any of eight bytes is below 0x20, a quote or a backslash (false for certain, true perhaps):
    /// the classic test for a zero byte, applied to the bytes, their XOR with each character, and their
    /// difference from 0x20.
    @inlinable @inline(__always)
    static func mayNeedEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
        let control = (w &- ones &* 0x20) & ~w & highs != 0
        return control || hasZero(w ^ (ones &* 0x22)) || hasZero(w ^ (ones &* 0x5C))
    }

    /// Whether a byte must be escaped inside a JSON string literal.
    @inlinable @inline(__always)
    public static func needsEscape(_ b: UInt8) -> Bool {
        b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\")
    }

    /// Appends the escape sequence for a byte that `needsEscape`.
    @inlinable
    public static func appendEscape<Sink: ByteSink & ~Copyable>(_ b: UInt8, to out: inout Sink) {
        switch b {
        case UInt8(ascii: "\""): out.append("\\\"")
        case UInt8(ascii: "\\"): out.append("\\\\")
        case 0x08: out.append("\\b")
        case 0x0C: out.append("\\f")
        case 0x0A: out.append("\\n")
        case 0x0D: out.append("\\r")
        case 0x09: out.append("\\t")
        default:
            let hex: StaticString = "0123456789abcdef"
            out.append("\\u00")
            out.append(hex.utf8Start[Int(b >> 4)])
            out.append(hex.utf8Start[Int(b & 0xF)])
        }
    }
}
