import Foundation

/// A UUID's text in the form `uuidString` gives and `UUID(uuidString:)` reads: 36 characters, upper-case
/// hex with dashes after the 8th, 12th, 16th and 20th digit.
///
/// Written and read here directly: Foundation on Linux formats it with `snprintf` and parses it with
/// `sscanf`, about a microsecond each, and every view parses its case id and writes it into the ledger.
extension UUID {
    /// The same text as `uuidString`.
    public var text: String {
        String(unsafeUninitializedCapacity: 36) {
            write(to: $0.baseAddress!)
            return 36
        }
    }

    /// Appends the 36 bytes of `text` to `out`.
    public func appendText(to out: inout some ByteSink & ~Copyable) {
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &text) { buffer in
            let p = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            write(to: p)
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: 36))
        }
    }

    /// The UUID `text` spells, in either case; nil unless it is exactly the 36-character form. Stricter than
    /// `UUID(uuidString:)` on Linux, whose `sscanf` also takes a sign or a space inside a group.
    public init?(text: some StringProtocol) {
        // A String or Substring is read in place; only a text without contiguous UTF-8 is copied first.
        let parsed = text.utf8.withContiguousStorageIfAvailable(Self.parse) ?? Array(text.utf8).withUnsafeBufferPointer(Self.parse)
        guard let uuid = parsed else { return nil }
        self.init(uuid: uuid)
    }

    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> uuid_t? {
        guard utf8.count == 36 else { return nil }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
            var i = 0
            for o in 0..<16 {
                if o == 4 || o == 6 || o == 8 || o == 10 {
                    guard utf8[i] == UInt8(ascii: "-") else { return false }
                    i += 1
                }
                guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return false }
                out[o] = high << 4 | low
                i += 2
            }
            return true
        }
        return parsed ? bytes : nil
    }

    /// Writes the 36 bytes of the text at `p`.
    private func write(to p: UnsafeMutablePointer<UInt8>) {
        let hex: StaticString = "0123456789ABCDEF"
        withUnsafeBytes(of: uuid) { bytes in
            var o = 0
            for i in 0..<16 {
                if i == 4 || i == 6 || i == 8 || i == 10 {
                    p[o] = UInt8(ascii: "-")
                    o += 1
                }
                p[o] = hex.utf8Start[Int(bytes[i] >> 4)]
                p[o + 1] = hex.utf8Start[Int(bytes[i] & 0xF)]
                o += 2
            }
        }
    }
}
