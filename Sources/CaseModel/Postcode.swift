/// A UK postcode, validated and normalised to upper case with one space
/// before the inward code ("W5 2HL").
public struct Postcode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The outward code, e.g. "W5" or "UB10".
    public let outward: String
    /// The inward code, e.g. "2HL".
    public let inward: String

    public init?(_ text: String) {
        let compact = text.uppercased().filter { !$0.isWhitespace }
        guard (5...7).contains(compact.count) else { return nil }
        let outward = String(compact.dropLast(3))
        let inward = String(compact.suffix(3))
        guard Self.isValidOutward(outward), Self.isValidInward(inward) else { return nil }
        self.outward = outward
        self.inward = inward
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

    // Outward forms: A9, A99, AA9, AA99, A9A, AA9A.
    private static func isValidOutward(_ s: String) -> Bool {
        let c = Array(s)
        guard (2...4).contains(c.count), c[0].isASCIILetter else { return false }
        let shape = String(c.map { $0.isASCIILetter ? "A" : ($0.isASCIIDigit ? "9" : "?") })
        return ["A9", "A99", "AA9", "AA99", "A9A", "AA9A"].contains(shape)
    }

    private static func isValidInward(_ s: String) -> Bool {
        let c = Array(s)
        return c.count == 3 && c[0].isASCIIDigit && c[1].isASCIILetter && c[2].isASCIILetter
    }
}

extension Character {
    var isASCIILetter: Bool { isASCII && isLetter }
    var isASCIIDigit: Bool { isASCII && isNumber }
}
