/// A UK postcode, validated and normalised to upper case with one space
/// before the inward code ("W5 2HL").
public struct Postcode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The outward code, e.g. "W5" or "UB10".
    public let outward: String
    /// The inward code, e.g. "2HL".
    public let inward: String

    /// Reads a postcode in any case, with or without spaces (ASCII white space only).
    /// Byte by byte: the scrubber tries it on every postcode-shaped word of every narrative.
    public init?(_ text: String) {
        let parts = Self.withCompacted(text.utf8) { compact in
            (String(decoding: compact.dropLast(3), as: UTF8.self), String(decoding: compact.suffix(3), as: UTF8.self))
        }
        guard let parts else { return nil }
        (outward, inward) = parts
    }

    /// Whether these bytes spell a postcode as `init` reads them, without making one: the scrubber asks
    /// this of every postcode-shaped word.
    public static func isValid(utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        withCompacted(utf8) { _ in true } ?? false
    }

    /// Runs `body` on `utf8` upper-cased without its white space, if it has a postcode's shape; nil if not.
    /// The compacted bytes are on the stack (at most eight are written), so reading one allocates nothing.
    private static func withCompacted<T>(_ utf8: some Collection<UInt8>, _ body: (UnsafeMutableBufferPointer<UInt8>) -> T) -> T? {
        var storage: UInt64 = 0
        return withUnsafeMutableBytes(of: &storage) { raw in
            let out = raw.bindMemory(to: UInt8.self)
            var count = 0
            for b in utf8 {
                switch b {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
                case UInt8(ascii: "a")...UInt8(ascii: "z"): out[count] = b - 32
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): out[count] = b
                default: return nil
                }
                count += 1
                if count > 7 { return nil }
            }
            guard count >= 5 else { return nil }
            let compact = UnsafeMutableBufferPointer(rebasing: out[..<count])
            guard isValidOutward(compact.dropLast(3)), isValidInward(compact.suffix(3)) else { return nil }
            return body(compact)
        }
    }

    /// The postcode district: the outward code ("W5").
    public var district: String { outward }

    /// The postcode sector: outward code and the inward digit ("W5 2").
    public var sector: String {
        // Built from bytes (a small string, no allocation): views generalise addresses to sectors.
        String(unsafeUninitializedCapacity: outward.utf8.count + 2) { text in
            var k = 0
            for b in outward.utf8 {
                text[k] = b
                k += 1
            }
            text[k] = UInt8(ascii: " ")
            text[k + 1] = inward.utf8.first!
            return k + 2
        }
    }

    public var description: String { "\(outward) \(inward)" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let postcode = Postcode(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a UK postcode")
        }
        self = postcode
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // Outward forms: A9, A99, AA9, AA99, A9A, AA9A (upper-case bytes by now).
    private static func isValidOutward(_ s: some Collection<UInt8>) -> Bool {
        var shape = 0  // one bit per character, 1 for a letter, read first character highest
        for b in s { shape = shape << 1 | (isLetter(b) ? 1 : 0) }
        guard let first = s.first, isLetter(first) else { return false }
        switch (s.count, shape) {
        case (2, 0b10), (3, 0b100), (3, 0b110), (4, 0b1100), (3, 0b101), (4, 0b1101): return true
        default: return false
        }
    }

    private static func isValidInward(_ s: some Collection<UInt8>) -> Bool {
        var i = s.makeIterator()
        guard s.count == 3, let a = i.next(), let b = i.next(), let c = i.next() else { return false }
        return !isLetter(a) && isLetter(b) && isLetter(c)
    }

    private static func isLetter(_ b: UInt8) -> Bool { b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") }
}
