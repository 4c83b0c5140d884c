import ByteEncoding

/// A value in a partner view. Objects keep their key order, so the same view
/// always serialises to the same bytes (the ledger hashes those bytes).
public enum ViewValue: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case null
    case array([ViewValue])
    case object([(String, ViewValue)])

    public static func == (lhs: ViewValue, rhs: ViewValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(json)
    }

    /// Compact JSON.
    public var json: String {
        var out = [UInt8]()
        out.reserveCapacity(512)
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public func write(to out: inout [UInt8]) {
        switch self {
        case .string(let s): Self.writeString(s, to: &out)
        case .bool(let b): out.append(b ? "true" : "false")
        case .null: out.append("null")
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        JSONString.append(s, to: &out)
    }

    /// Looks up a member of an object.
    public subscript(key: String) -> ViewValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }
}

extension ViewValue {
    /// A JSON text that a view could not be read back from.
    public struct ParseError: Error, CustomStringConvertible {
        public let offset: Int
        public var description: String { "not a view: unexpected input at byte \(offset)" }
    }

    /// Reads compact or spaced JSON of strings, booleans, nulls, arrays and objects (what views are made of),
    /// keeping each object's key order. Numbers are not part of a view and are rejected.
    public init(json: some Collection<UInt8>) throws {
        var reader = Reader(bytes: Array(json))
        self = try reader.value()
        reader.skipSpace()
        guard reader.index == reader.bytes.count else { throw ParseError(offset: reader.index) }
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }

        mutating func literal(_ text: String, _ value: ViewValue) throws -> ViewValue {
            let utf8 = Array(text.utf8)
            guard bytes[index...].starts(with: utf8) else { throw ParseError(offset: index) }
            index += utf8.count
            return value
        }

        mutating func expect(_ byte: UInt8) throws {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { throw ParseError(offset: index) }
            index += 1
        }

        mutating func value() throws -> ViewValue {
            skipSpace()
            guard index < bytes.count else { throw ParseError(offset: index) }
            switch bytes[index] {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "["):
                index += 1
                var items: [ViewValue] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(items)
                }
                repeat {
                    items.append(try value())
                    skipSpace()
                } while try more(closing: UInt8(ascii: "]"))
                return .array(items)
            case UInt8(ascii: "{"):
                index += 1
                var members: [(String, ViewValue)] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                }
                repeat {
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw ParseError(offset: index) }
                    let key = try string()
                    try expect(UInt8(ascii: ":"))
                    members.append((key, try value()))
                    skipSpace()
                } while try more(closing: UInt8(ascii: "}"))
                return .object(members)
            default:
                throw ParseError(offset: index)
            }
        }

        /// After an item: true at a comma (another follows), false at the closing bracket.
        mutating func more(closing: UInt8) throws -> Bool {
            guard index < bytes.count else { throw ParseError(offset: index) }
            defer { index += 1 }
            if bytes[index] == UInt8(ascii: ",") { return true }
            if bytes[index] == closing { return false }
            throw ParseError(offset: index)
        }

        mutating func string() throws -> String {
            index += 1  // the opening quote
            var out: [UInt8] = []
            while index < bytes.count {
                let b = bytes[index]
                index += 1
                switch b {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { throw ParseError(offset: index) }
                    let e = bytes[index]
                    index += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard bytes[index...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) else { throw ParseError(offset: index) }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw ParseError(offset: index) }
                            scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
                        }
                        guard let s = Unicode.Scalar(scalar) else { throw ParseError(offset: index) }
                        out.append(contentsOf: String(Character(s)).utf8)
                    default:
                        throw ParseError(offset: index - 1)
                    }
                case 0..<0x20:
                    throw ParseError(offset: index - 1)
                default:
                    out.append(b)
                }
            }
            throw ParseError(offset: index)
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
                throw ParseError(offset: index)
            }
            index += 4
            return v
        }
    }
}
