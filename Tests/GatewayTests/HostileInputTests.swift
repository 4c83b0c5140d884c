import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SharingPolicy
import Testing

/// Seeded mutation fuzzing, bounded for CI; `CASEGATE_FUZZ_CASES` runs more (e.g. 100000) on demand.
/// The seed is printed with any failure, so a failing input can be replayed.
@Suite("Hostile input")
struct HostileInputTests {
    static let cases = ProcessInfo.processInfo.environment["CASEGATE_FUZZ_CASES"].flatMap(Int.init) ?? 300

    /// A small deterministic generator (SplitMix64), so a seed names one run.
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Byte-level damage of the kinds parsers trip on: flips, deletions, duplications, inserted
    /// structural characters, truncation, huge numbers, deep nesting, invalid UTF-8.
    static func mutate(_ input: [UInt8], _ random: inout Random) -> [UInt8] {
        var bytes = input
        let tokens: [[UInt8]] = [
            "{", "}", "[", "]", "\"", ",", ":", "null", "1e999", "-0", "\\u0000", "\u{FEFF}", "true",
            String(repeating: "[", count: 600), "\"\\ud800\"", "99999999999999999999999",
        ].map { Array($0.utf8) }
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<7, using: &random) {
            case 0: bytes[at] ^= UInt8.random(in: 1...255, using: &random)
            case 1: bytes.remove(at: at)
            case 2: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 16)], at: at)
            case 3: bytes.insert(contentsOf: tokens.randomElement(using: &random)!, at: at)
            case 4: bytes = Array(bytes.prefix(at))
            case 5: bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: at)
            default: bytes.insert(contentsOf: Array(" \"extra_field\": 1,".utf8), at: min(at, bytes.count))
            }
        }
        return bytes
    }

    @Test("the case API: no damaged body gets a 5xx or a non-problem error, and only 201s change the store")
    func caseAPI() async throws {
        let fixture = try await GatewayFixture()
        let token = try await fixture.environment.users.add(name: "Casey", role: .caseworker).token
        let valid = Array(StaffAPITests.newCase.utf8)
        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.staffClient()) { client in
                var random = Random(state: 2026)
                var created = 0
                for n in 0..<Self.cases {
                    let body = Self.mutate(valid, &random)
                    let response = try await client.execute(
                        .init(
                            "/v1/cases",
                            method: .post,
                            headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                            body: ByteBuffer(bytes: body)
                        )
                    )
                    let context = Comment(rawValue: "case \(n) of seed 2026: \(String(decoding: body.prefix(300), as: UTF8.self))")
                    #expect(response.status.code < 500, context)
                    if response.status == .created {
                        created += 1
                    } else {
                        #expect([400, 413, 415, 422].contains(response.status.code), context)
                        #expect(response.headers[.contentType] == "application/problem+json", context)
                        let problem = try JSONSerialization.jsonObject(with: Data(buffer: try #require(response.body))) as? [String: Any]
                        #expect(problem?["detail"] is String, context)
                    }
                }
                #expect(try await fixture.environment.cases.count() == created)
            }
        }
    }

    @Test("the policy loader: a damaged policy file either loads or is rejected with file and line, never a crash")
    func policyLoader() throws {
        let file = GatewayFixture.repositoryPolicies.appendingPathComponent("partners/met-police.yaml")
        let valid = Array(try String(contentsOf: file, encoding: .utf8).utf8)
        let lines = valid.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
        var random = Random(state: 115)
        var rejected = 0
        for _ in 0..<Self.cases {
            let text = String(decoding: Self.mutate(valid, &random), as: UTF8.self)
            do {
                _ = try PolicySet.parse(text: text, file: "policies/partners/met-police.yaml")
            } catch {
                rejected += 1
                #expect(!error.diagnostics.isEmpty)
                for diagnostic in error.diagnostics {
                    #expect(diagnostic.file == "policies/partners/met-police.yaml")
                    #expect(diagnostic.line >= 1 && diagnostic.line <= lines + 1, "\(diagnostic)")
                    #expect(!diagnostic.message.isEmpty)
                }
            }
        }
        #expect(rejected > Self.cases / 2, "most damage is caught")
    }
}
