import Foundation
import SharingPolicy
import Testing

@Suite("Certificate revocation list")
struct RevocationListTests {
    static let fingerprint = String(repeating: "ab", count: 32)

    @Test("entries read back; fingerprints with colons or capitals are normalised")
    func reads() throws {
        let colons = stride(from: 0, to: 64, by: 2).map { _ in "CD" }.joined(separator: ":")
        let list = try RevocationList.parse(
            text: """
                # comment
                revoked:
                  - fingerprint: \(Self.fingerprint)
                    reason: laptop stolen
                    revoked_at: 2026-11-20
                  - fingerprint: \(colons)
                    reason: "key exposed: \\"rotated\\""
                    revoked_at: 2026-11-21
                """,
            file: "revoked-certificates.yaml"
        )
        #expect(list.entries.count == 2)
        #expect(list.isRevoked(fingerprint: Self.fingerprint))
        #expect(list.isRevoked(fingerprint: String(repeating: "cd", count: 32)))
        #expect(!list.isRevoked(fingerprint: String(repeating: "ef", count: 32)))
        #expect(list.entries[1].reason == "key exposed: \"rotated\"")
    }

    @Test("an empty file, or one with only comments, revokes nothing")
    func empty() throws {
        #expect(try RevocationList.parse(text: "", file: "f") == .none)
        #expect(try RevocationList.parse(text: "# nothing yet\n", file: "f") == .none)
        #expect(try RevocationList.parse(text: "revoked:\n", file: "f") == .none)
    }

    @Test(
        "mistakes name the file, line and column",
        arguments: [
            ("revoked:\n  - fingerprint: abc\n    reason: r\n    revoked_at: 2026-11-20\n", 2, 18, "64 digits"),
            ("revoked:\n  - fingerprint: \(String(repeating: "ab", count: 32))\n    reason: r\n    revoked_at: 20 Nov\n", 4, 17, "YYYY-MM-DD"),
            (
                "revoked:\n  - fingerprint: \(String(repeating: "ab", count: 32))\n    reasn: r\n    revoked_at: 2026-11-20\n", 3, 5,
                "did you mean 'reason'?"
            ),
            ("revokd: []\n", 1, 1, "did you mean 'revoked'?"),
            ("revoked: yes\n", 1, 10, "must be a list"),
            (
                "revoked:\n  - fingerprint: \(String(repeating: "ab", count: 32))\n    issuer: CN=x\n    serial: 1f\n    reason: r\n    revoked_at: 2026-11-20\n",
                2, 5, "not both"
            ),
            ("revoked:\n  - issuer: CN=x\n    reason: r\n    revoked_at: 2026-11-20\n", 2, 5, "go together"),
            ("revoked:\n  - issuer: CN=x\n    serial: zz\n    reason: r\n    revoked_at: 2026-11-20\n", 3, 13, "serial number in hex"),
            ("revoked:\n  - issuer: nobody\n    serial: 1f\n    reason: r\n    revoked_at: 2026-11-20\n", 2, 13, "distinguished name"),
        ]
    )
    func mistakes(text: String, line: Int, column: Int, message: String) throws {
        let error = #expect(throws: PolicyError.self) { try RevocationList.parse(text: text, file: "policies/revoked-certificates.yaml") }
        let diagnostic = try #require(error?.diagnostics.first { $0.message.contains(message) }, "\(error?.diagnostics ?? [])")
        #expect(diagnostic.file == "policies/revoked-certificates.yaml")
        #expect(diagnostic.line == line && diagnostic.column == column, "\(diagnostic)")
    }

    @Test("by issuer and serial: the serial normalised, appended and read back, matched against a certificate")
    func issuerAndSerial() throws {
        let text = RevocationList.appending(
            .init(issuer: "CN=LFB Issuing CA,O=London Fire Brigade", serial: "00:4F:1A", reason: "key compromise", revokedAt: "2026-11-28"),
            to: nil
        )
        let list = try RevocationList.parse(text: text, file: "f")
        #expect(list.entries.map(\.serial) == ["4f1a"] && list.entries.map(\.issuer) == ["CN=LFB Issuing CA,O=London Fire Brigade"])
        #expect(RevocationList.normaliseSerial("0x00ff") == "ff" && RevocationList.normaliseSerial("00") == "0")
    }

    @Test("a certificate revoked twice is a mistake")
    func duplicate() {
        let entry = "  - fingerprint: \(Self.fingerprint)\n    reason: r\n    revoked_at: 2026-11-20\n"
        #expect(throws: PolicyError.self) { try RevocationList.parse(text: "revoked:\n" + entry + entry, file: "f") }
    }

    @Test("appending keeps what was there and reads back")
    func appending() throws {
        let first = RevocationList.appending(.init(fingerprint: Self.fingerprint, reason: "stolen", revokedAt: "2026-11-20"), to: nil)
        let second = RevocationList.appending(
            .init(fingerprint: String(repeating: "01", count: 32), reason: "said \"oops\"\nthen left", revokedAt: "2026-11-21"),
            to: first
        )
        #expect(second.hasPrefix(first))
        let list = try RevocationList.parse(text: second, file: "f")
        #expect(list.entries.map(\.revokedAt) == ["2026-11-20", "2026-11-21"])
        #expect(list.entries[1].reason == "said \"oops\" then left")
    }

    @Test("a bad revocation file stops the whole set loading, like a bad policy")
    func stopsTheSet() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("revocations-\(UUID())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("partners"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("policies/partners/lfb.yaml")
        try FileManager.default.copyItem(at: shipped, to: dir.appendingPathComponent("partners/lfb.yaml"))
        #expect(try PolicySet.load(directory: dir).revocations == .none)
        try "revoked:\n  - fingerprint: nope\n".write(to: dir.appendingPathComponent(RevocationList.fileName), atomically: true, encoding: .utf8)
        #expect(throws: PolicyError.self) { try PolicySet.load(directory: dir) }
    }
}
