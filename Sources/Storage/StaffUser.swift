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

/// Staff users and their tokens. Tokens are shown once and stored only as hashes.
public protocol UserStore: Sendable {
    /// Adds a user and returns the token, which is not stored and cannot be shown again.
    func add(name: String, role: StaffRole) async throws -> (StaffUser, token: String)
    func list() async throws -> [StaffUser]
    /// Revokes a user's token; returns false if there is no such user.
    func revoke(id: String) async throws -> Bool
    /// The active user a token belongs to, or nil.
    func authenticate(token: String) async throws -> StaffUser?
}
