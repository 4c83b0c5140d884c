import CasegateTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Ledger
import Storage
import Testing

@testable import Gateway

/// Personal tokens expire and say so; sign-ins, refused sign-ins and every token issued, rotated or
/// revoked are ledger entries that never hold the token.
@Suite("Staff tokens and sign-in accountability")
struct StaffTokenTests {
    @Test("an expired token gets 401 with when it expired and how to get a new one; a valid one works")
    func expiredOnTheAPI() async throws {
        let fixture = try await GatewayFixture()
        let (user, expired) = try await fixture.environment.users.add(
            name: "Old Token",
            role: .igOfficer,
            tokenExpiresAt: Date().addingTimeInterval(-60)
        )
        let (_, valid) = try await fixture.environment.users.add(name: "New Token", role: .igOfficer)
        try await fixture.withRouters { gateway in
            let refused = try await gateway.staff { client in
                try await client.execute(.init("/v1/disclosures", method: .get, headers: [.authorization: "Bearer \(expired)"]))
            }
            #expect(refused.status == .unauthorized && refused.headers[.contentType] == "application/problem+json")
            let detail = String(buffer: try #require(refused.body))
            #expect(detail.contains("the token expired on") && detail.contains("casegate users rotate \(user.id)"), "\(detail)")
            let accepted = try await gateway.staff { client in
                try await client.execute(.init("/v1/disclosures", method: .get, headers: [.authorization: "Bearer \(valid)"]))
            }
            #expect(accepted.status == .ok)
        }
    }

    @Test("console sign-ins and refusals (invalid, expired) are ledger entries naming the user, never the token")
    func signInEntries() async throws {
        let fixture = try await GatewayFixture()
        let (user, token) = try await fixture.environment.users.add(name: "Iggy", role: .igOfficer)
        let (old, expired) = try await fixture.environment.users.add(name: "Old", role: .igOfficer, tokenExpiresAt: Date().addingTimeInterval(-60))
        let start = fixture.environment.ledger.size
        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.staffClient()) { client in
                var browser = ConsoleTests.Browser(client: client)
                let wrong = String(token.dropLast()) + (token.last == "A" ? "B" : "A")
                #expect(try await browser.signIn(wrong).status == .unauthorized)
                let refused = try await browser.signIn(expired)
                let page = String(buffer: try #require(refused.body))
                #expect(refused.status == .unauthorized && page.contains("expired on"))
                #expect(try await browser.signIn(token).status == .seeOther)
            }
        }
        let entries = try await fixture.environment.storage.ledger.entries(from: start, limit: 100)
        let decoded = try entries.map { try $0.decoded() }.filter { [.signIn, .signInRefused].contains($0.action) }
        #expect(decoded.map(\.action) == [.signInRefused, .signInRefused, .signIn])
        #expect(decoded.map(\.actor.id) == [user.id, old.id, user.id])
        #expect(decoded.compactMap { $0.details?["reason"] } == ["invalid", "expired"])
        // The whole secret: base64url has "_" in its alphabet, so the text after the last "_" can be a
        // character or two, which an entry may contain by chance.
        let secrets = try [token, expired].map { try #require(StaffToken(parsing: $0)).secret }
        #expect(!entries.contains { entry in secrets.contains { String(decoding: entry.bytes, as: UTF8.self).contains($0) } })
    }

    @Test("casegate users: add with an expiry, list it, rotate (the old token stops), revoke; each a ledger entry")
    func commandLine() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-users-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        func casegate(_ arguments: [String]) throws -> (Int32, String) {
            let process = ChildProcess()
            process.executableURL = try CasegateExecutable.path()
            process.arguments = arguments + ["--data-dir", data.path]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
        let (added, addOutput) = try casegate(["users", "add", "--name", "Ada Admin", "--role", "admin", "--expires-in", "30d"])
        #expect(added == 0)
        let id = try #require(addOutput.split(separator: "\n").first?.split(separator: " ").dropFirst().first.map(String.init))
        let first = try #require(addOutput.split(separator: "\n").first { $0.hasPrefix("token:") }?.split(separator: " ").last.map(String.init))
        #expect(try casegate(["users", "add", "--name", "x", "--role", "admin", "--expires-in", "3y"]).0 != 0)
        #expect(try casegate(["users", "list"]).1.contains("token expires"))
        let (rotated, rotateOutput) = try casegate(["users", "rotate", id, "--expires-in", "12w"])
        #expect(rotated == 0 && rotateOutput.contains("The old token no longer works"))
        #expect(try casegate(["users", "rotate", "u-nobody"]).0 != 0)
        #expect(try casegate(["users", "revoke", id]).0 == 0)

        let backend = try await GatewayStorage.open(dataDirectory: data.path, databaseURL: nil)
        #expect(try await backend.users.authenticate(token: first) == nil)
        let entries = try await backend.ledger.entries(from: 0, limit: 100).map { try $0.decoded() }
        #expect(entries.map(\.action) == [.tokenIssued, .tokenRotated, .tokenRevoked])
        #expect(entries.allSatisfy { $0.details?["user"] == id })
        await backend.close()
    }
}
