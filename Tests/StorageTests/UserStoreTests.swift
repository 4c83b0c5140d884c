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

    @Test(
        "tokens expire (90 days by default), say so, record their last use, and rotate: the old one stops, the new one works; subjects link once",
        arguments: BackendKind.available
    )
    func expiryAndRotation(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let users = t.backend.users
            let now = Date()
            let (standard, _) = try await users.add(name: "Default Life", role: .caseworker)
            let life = try #require(standard.tokenExpiresAt).timeIntervalSince(now)
            #expect(abs(life - defaultTokenLifetime) < 60)

            let (user, token) = try await users.add(name: "Short Life", role: .igOfficer, tokenExpiresAt: now.addingTimeInterval(3600))
            guard case .valid(let valid) = try await users.check(token: token, now: now) else {
                Issue.record("a fresh token is valid")
                return
            }
            #expect(valid.id == user.id)
            let used = try #require(try await users.list().first { $0.id == user.id }?.tokenLastUsedAt)
            #expect(abs(used.timeIntervalSince(now)) < 1)
            let later = now.addingTimeInterval(7200)
            guard case .expired(let expired, let at) = try await users.check(token: token, now: later) else {
                Issue.record("an hour later the token has expired")
                return
            }
            #expect(expired.id == user.id && abs(at.timeIntervalSince(now.addingTimeInterval(3600))) < 1)
            #expect(try await users.authenticate(token: token) != nil, "authenticate asks about now, when it is still valid")

            let rotated = try #require(try await users.rotate(id: user.id, tokenExpiresAt: later.addingTimeInterval(86400)))
            #expect(rotated.hasPrefix("cgt_\(user.id)_") && rotated != token)
            #expect(try await users.check(token: token, now: later) == .invalid)
            guard case .valid = try await users.check(token: rotated, now: later) else {
                Issue.record("the rotated token is valid")
                return
            }
            #expect(try await users.rotate(id: "u-missing", tokenExpiresAt: later) == nil)
            #expect(try await users.revoke(id: user.id))
            #expect(try await users.rotate(id: user.id, tokenExpiresAt: later) == nil, "a revoked user gets no new token")

            #expect(try await users.link(subject: "idp|123", to: standard.id))
            #expect(try await users.link(subject: "idp|456", to: standard.id) == false, "linked once")
            #expect(try await users.user(subject: "idp|123")?.id == standard.id)
            #expect(try await users.user(subject: "idp|999") == nil)
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
