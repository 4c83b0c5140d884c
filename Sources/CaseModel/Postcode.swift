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
        var compact: [UInt8] = []
        compact.reserveCapacity(8)
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            case UInt8(ascii: "a")...UInt8(ascii: "z"): compact.append(b - 32)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): compact.append(b)
            default: return nil
            }
            if compact.count > 7 { return nil }
        }
        guard compact.count >= 5 else { return nil }
        let outward = compact.prefix(compact.count - 3)
        let inward = compact.suffix(3)
        guard Self.isValidOutward(outward), Self.isValidInward(inward) else { return nil }
        self.outward = String(decoding: outward, as: UTF8.self)
        self.inward = String(decoding: inward, as: UTF8.self)
    }

    /// The postcode district: the outward code ("W5").
    public var district: String { outward }

    /// The postcode sector: outward code and the inward digit ("W5 2").
    public var sector: String { "\(outward) \(inward.prefix(1))" }

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
    private static func isValidOutward(_ s: ArraySlice<UInt8>) -> Bool {
        var shape = 0  // one bit per character, 1 for a letter, read first character highest
        for b in s { shape = shape << 1 | (isLetter(b) ? 1 : 0) }
        guard let first = s.first, isLetter(first) else { return false }
        switch (s.count, shape) {
        case (2, 0b10), (3, 0b100), (3, 0b110), (4, 0b1100), (3, 0b101), (4, 0b1101): return true
        default: return false
        }
    }

    private static func isValidInward(_ s: ArraySlice<UInt8>) -> Bool {
        let c = Array(s)
        return c.count == 3 && !isLetter(c[0]) && isLetter(c[1]) && isLetter(c[2])
    }

    private static func isLetter(_ b: UInt8) -> Bool { b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") }
}
