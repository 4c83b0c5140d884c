import ByteEncoding
import Foundation

/// What a member of staff may do. Each user has exactly one.
public enum StaffRole: String, Codable, Sendable, CaseIterable {
    case caseworker
    case igOfficer = "ig-officer"
    case admin
}

/// A council staff user, authenticated by a personal bearer token.
public struct StaffUser: Hashable, Sendable, Codable {
    public var id: String
    public var name: String
    public var role: StaffRole
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: String, name: String, role: StaffRole, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A signed-in console session. The token goes in the cookie and is stored only as a hash;
/// the CSRF token is echoed in every form the session submits.
public struct StaffSession: Sendable, Equatable {
    public var id: String
    public var userID: String
    public var csrfToken: String
    public var expiresAt: Date
    /// The cookie value; only known when the session is started.
    public var token: String?

    public init(id: String, userID: String, csrfToken: String, expiresAt: Date, token: String? = nil) {
        self.id = id
        self.userID = userID
        self.csrfToken = csrfToken
        self.expiresAt = expiresAt
        self.token = token
    }

    /// A fresh session for a user: its token, id and CSRF token all random.
    public static func start(userID: String, expiresAt: Date) -> (StaffSession, StaffToken) {
        let token = StaffToken.generateSession()
        let csrf = StaffToken.generateSession()
        return (
            StaffSession(
                id: token.userID,
                userID: userID,
                csrfToken: csrf.secretHash.hexString,
                expiresAt: expiresAt,
                token: token.text
            ), token
        )
    }
}

/// Staff users and their tokens. Tokens are shown once and stored only as hashes.
public protocol UserStore: Sendable {
    /// Adds a user and returns the token, which is not stored and cannot be shown again.
    func add(name: String, role: StaffRole) async throws -> (StaffUser, token: String)
    func list() async throws -> [StaffUser]
    /// Revokes a user's token; returns false if there is no such user.
    func revoke(id: String) async throws -> Bool
    /// The active user a token belongs to, or nil.
    func authenticate(token: String) async throws -> StaffUser?
    /// Stores a console session for a user (the caller has authenticated them).
    func saveSession(_ session: StaffSession, secretHash: Data) async throws
    /// The session a cookie value names and its user, if the session has not expired or ended and the user is still active.
    func session(token: String, now: Date) async throws -> (StaffUser, StaffSession)?
    /// Ends a session (sign-out); a no-op for one that does not exist.
    func endSession(id: String) async throws
}
