import CasegateTestSupport
import Foundation
import Storage
import Testing

@Suite("Staff users and tokens (each backend)")
struct UserStoreTests {
    @Test(arguments: BackendKind.available) func tokensAuthenticateUntilRevoked(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let users = t.backend.users
            let (user, token) = try await users.add(name: "Casey Worker", role: .caseworker)
            #expect(token.hasPrefix("cgt_\(user.id)_"))
            #expect(try await users.authenticate(token: token)?.id == user.id)

            // Flip one character of the secret.
            var wrong = Array(token)
            wrong[wrong.count - 1] = wrong.last == "A" ? "B" : "A"
            #expect(try await users.authenticate(token: String(wrong)) == nil)
            #expect(try await users.authenticate(token: "cgt_nobody_" + String(repeating: "A", count: 43)) == nil)
            #expect(try await users.authenticate(token: "") == nil)

            #expect(try await users.revoke(id: user.id))
            #expect(try await users.authenticate(token: token) == nil)
            #expect(try await users.revoke(id: "u-missing") == false)
            #expect(try await users.list().first?.revokedAt != nil)
        }
    }

    @Test("tokens have at least 128 bits of secret and are stored only as hashes", arguments: BackendKind.available)
    func tokensAreHashed(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let users = t.backend.users
            let (user, token) = try await users.add(name: "Ig Officer", role: .igOfficer)
            // The secret is everything after "cgt_<id>_"; base64url may itself contain "_".
            let secret = String(token.dropFirst("cgt_\(user.id)_".count))
            #expect(secret.count == 43)
            #expect(secret.count * 6 >= 128)
            let bytes = try await t.rawContents()
            #expect(bytes.contains(user.id) && !bytes.contains(secret))
            let (_, other) = try await users.add(name: "Ig Officer", role: .igOfficer)
            #expect(other != token)
        }
    }

    @Test("console sessions: found by their cookie until they expire, end, or the user is revoked", arguments: BackendKind.available)
    func sessions(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let users = t.backend.users
            let (user, _) = try await users.add(name: "Ig Officer", role: .igOfficer)
            let now = Date()
            let (session, token) = StaffSession.start(userID: user.id, expiresAt: now.addingTimeInterval(1800))
            try await users.saveSession(session, secretHash: token.secretHash)
            let cookie = try #require(session.token)
            #expect(cookie.hasPrefix("cgs_s"))
            let found = try #require(try await users.session(token: cookie, now: now))
            #expect(found.0.id == user.id && found.1.csrfToken == session.csrfToken && found.1.id == session.id)
            var wrong = Array(cookie)
            wrong[wrong.count - 1] = wrong.last == "A" ? "B" : "A"
            #expect(try await users.session(token: String(wrong), now: now) == nil)
            #expect(try await users.session(token: "cgt_" + cookie.dropFirst(4), now: now) == nil, "a bearer token is not a session")
            #expect(try await users.session(token: cookie, now: now.addingTimeInterval(1801)) == nil, "expired")
            // The secret is everything after "cgs_<session id>_"; base64url may itself contain "_".
            let secret = String(cookie.dropFirst("cgs_\(session.id)_".count))
            #expect(secret.count == 43)
            #expect(!(try await t.rawContents()).contains(secret), "only the hash is stored")

            let (second, secondToken) = StaffSession.start(userID: user.id, expiresAt: now.addingTimeInterval(1800))
            try await users.saveSession(second, secretHash: secondToken.secretHash)
            try await users.endSession(id: session.id)
            #expect(try await users.session(token: cookie, now: now) == nil, "signed out")
            #expect(try await users.session(token: second.token!, now: now) != nil, "other sessions go on")
            _ = try await users.revoke(id: user.id)
            #expect(try await users.session(token: second.token!, now: now) == nil, "a revoked user's sessions end")
        }
    }

    @Test func constantTimeComparison() {
        #expect(constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2]))
    }
}
