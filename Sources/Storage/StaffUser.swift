import ByteEncoding
import Foundation

/// What a member of staff may do. Each user has exactly one.
public enum StaffRole: String, Codable, Sendable, CaseIterable {
    case caseworker
    case igOfficer = "ig-officer"
    case admin
}

/// A council staff user, authenticated by a personal bearer token (the API, and the pages in development)
/// or by the council's identity provider (the pages).
public struct StaffUser: Hashable, Sendable, Codable {
    public var id: String
    public var name: String
    public var role: StaffRole
    public var createdAt: Date
    public var revokedAt: Date?
    /// When the personal token stops working.
    public var tokenExpiresAt: Date?
    /// When the token was last presented (to the minute).
    public var tokenLastUsedAt: Date?
    /// The identity provider's `sub` for this user, once linked.
    public var subject: String?

    public init(
        id: String,
        name: String,
        role: StaffRole,
        createdAt: Date,
        revokedAt: Date? = nil,
        tokenExpiresAt: Date? = nil,
        tokenLastUsedAt: Date? = nil,
        subject: String? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.tokenExpiresAt = tokenExpiresAt
        self.tokenLastUsedAt = tokenLastUsedAt
        self.subject = subject
    }
}

/// What a presented personal token is.
public enum TokenCheck: Sendable, Equatable {
    case valid(StaffUser)
    /// Right for its user, but past its expiry.
    case expired(StaffUser, at: Date)
    /// Not ours, wrong, or its user revoked.
    case invalid
}

/// How long a personal token lasts unless a shorter or longer life is asked for.
public let defaultTokenLifetime: TimeInterval = 90 * 86400

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
    func add(name: String, role: StaffRole, tokenExpiresAt: Date) async throws -> (StaffUser, token: String)
    func list() async throws -> [StaffUser]
    /// Revokes a user's token; returns false if there is no such user.
    func revoke(id: String) async throws -> Bool
    /// Replaces an active user's token with a new one (the old stops at once); nil if there is no such user.
    func rotate(id: String, tokenExpiresAt: Date) async throws -> String?
    /// What a presented token is at `now`; a valid or expired one notes its use (at most once a minute).
    func check(token: String, now: Date) async throws -> TokenCheck
    /// The user the identity provider's `sub` is linked to, active or revoked.
    func user(subject: String) async throws -> StaffUser?
    /// Links an identity provider's `sub` to a user; false if the user does not exist or has another.
    func link(subject: String, to id: String) async throws -> Bool
    /// Changes a user's role (the identity provider's groups are the source of it for linked users).
    func setRole(_ role: StaffRole, for id: String) async throws
    /// Stores a console session for a user (the caller has authenticated them).
    func saveSession(_ session: StaffSession, secretHash: Data) async throws
    /// The session a cookie value names and its user, if the session has not expired or ended and the user is still active.
    func session(token: String, now: Date) async throws -> (StaffUser, StaffSession)?
    /// Ends a session (sign-out); a no-op for one that does not exist.
    func endSession(id: String) async throws
}

extension UserStore {
    /// Adds a user whose token lasts `defaultTokenLifetime`.
    public func add(name: String, role: StaffRole) async throws -> (StaffUser, token: String) {
        try await add(name: name, role: role, tokenExpiresAt: Date().addingTimeInterval(defaultTokenLifetime))
    }

    /// The active user a valid token belongs to, or nil.
    public func authenticate(token: String) async throws -> StaffUser? {
        guard case .valid(let user) = try await check(token: token, now: Date()) else { return nil }
        return user
    }
}
