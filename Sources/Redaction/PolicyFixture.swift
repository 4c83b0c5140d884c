import ByteEncoding
import CaseModel
import Crypto
import Foundation
import SharingPolicy

/// A policy test fixture: one case and, for every partner purpose, the exact
/// view expected (or null when the purpose must not admit the case).
/// Stored as JSON under `policies/tests/`.
public struct PolicyFixture: Codable, Sendable {
    public var description: String
    /// The day views are built on (ages depend on it).
    public var today: CalendarDate
    /// A fixed test key (hex), the pseudonym root the expected views were made with, so pseudonyms are
    /// reproducible (named `master_key` in the files: stores set up before pseudonym roots were their own
    /// used the master key as the root). Never a real key.
    public var masterKey: String
    public var `case`: ASBCase
    /// partner id → purpose id → the expected view, or null.
    public var expected: [String: [String: JSONValue]]

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}

/// Any JSON value, compared structurally.
public indirect enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    init(_ view: ViewValue) {
        switch view {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(JSONValue.init))
        case .object(let members): self = .object(Dictionary(members.map { ($0.0, JSONValue($0.1)) }, uniquingKeysWith: { a, _ in a }))
        }
    }

    /// The view without its policy version, which changes with any edit to any policy file.
    public var withoutVersion: JSONValue {
        guard case .object(var members) = self else { return self }
        members["policy_version"] = nil
        return .object(members)
    }

    /// Where two values first differ, as a path, or nil when equal.
    public func firstDifference(from other: JSONValue, path: String = "$") -> String? {
        switch (self, other) {
        case (.object(let a), .object(let b)):
            for key in Set(a.keys).union(b.keys).sorted() {
                guard let x = a[key] else { return "\(path).\(key) is produced but not expected" }
                guard let y = b[key] else { return "\(path).\(key) is expected but not produced" }
                if let d = x.firstDifference(from: y, path: "\(path).\(key)") { return d }
            }
            return nil
        case (.array(let a), .array(let b)):
            if a.count != b.count { return "\(path) has \(a.count) items, expected \(b.count)" }
            for (i, (x, y)) in zip(a, b).enumerated() {
                if let d = x.firstDifference(from: y, path: "\(path)[\(i)]") { return d }
            }
            return nil
        default:
            return self == other ? nil : "\(path) is \(self.brief), expected \(other.brief)"
        }
    }

    private var brief: String {
        switch self {
        case .string(let s): "\"\(s.prefix(60))\""
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let n): "\(n)"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Runs every fixture in a directory against a policy set.
public enum PolicyFixtureRunner {
    public struct Result: Sendable {
        public var file: String
        public var failures: [String]
    }

    public static func run(directory: URL, policies: PolicySet, record: Bool = false) throws -> [Result] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { name in
            let url = directory.appendingPathComponent(name)
            var fixture: PolicyFixture
            do {
                fixture = try PolicyFixture.decoder.decode(PolicyFixture.self, from: Data(contentsOf: url))
            } catch {
                return Result(file: name, failures: ["cannot read the fixture: \(error)"])
            }
            let produced = views(fixture, policies)
            if record {
                fixture.expected = produced
                try PolicyFixture.encoder.encode(fixture).write(to: url, options: .atomic)
                return Result(file: name, failures: [])
            }
            return Result(file: name, failures: compare(produced: produced, expected: fixture.expected))
        }
    }

    static func views(_ fixture: PolicyFixture, _ policies: PolicySet) -> [String: [String: JSONValue]] {
        guard let keyData = [UInt8](hex: fixture.masterKey).map({ Data($0) }), keyData.count == 32 else { return [:] }
        let compiled = CompiledPolicySet(policies, pseudonymRoot: SymmetricKey(data: keyData))
        var result: [String: [String: JSONValue]] = [:]
        for policy in policies.policies {
            for purpose in policy.purposes {
                let view = compiled.policy(partner: policy.partner.id, purpose: purpose.id)
                    .flatMap { ViewBuilder.view(of: fixture.case, under: $0, today: fixture.today) }
                result[policy.partner.id, default: [:]][purpose.id] = view.map { JSONValue($0.value) } ?? .null
            }
        }
        return result
    }

    static func compare(produced: [String: [String: JSONValue]], expected: [String: [String: JSONValue]]) -> [String] {
        var failures: [String] = []
        for partner in Set(produced.keys).union(expected.keys).sorted() {
            let p = produced[partner] ?? [:]
            let e = expected[partner] ?? [:]
            for purpose in Set(p.keys).union(e.keys).sorted() {
                guard let got = p[purpose] else {
                    failures.append("\(partner)/\(purpose): expected, but no such partner purpose is loaded")
                    continue
                }
                guard let want = e[purpose] else {
                    failures.append("\(partner)/\(purpose): no expected view; add one (policy test --record)")
                    continue
                }
                if let difference = got.withoutVersion.firstDifference(from: want.withoutVersion) {
                    failures.append("\(partner)/\(purpose): \(difference)")
                }
            }
        }
        return failures
    }
}
