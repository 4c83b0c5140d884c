import Foundation
import Ledger
import Storage

/// Issuing, rotating and revoking staff members' personal tokens, each with its ledger entry (the user id,
/// the expiry: never the token). Used by `casegate users`.
public struct StaffTokens: Sendable {
    let users: any UserStore
    let ledger: Ledger
    let actor: LedgerActor

    public init(users: any UserStore, ledger: Ledger, actor: LedgerActor) {
        self.users = users
        self.ledger = ledger
        self.actor = actor
    }

    /// A new user and their token, valid until `expiresAt`.
    public func issue(name: String, role: StaffRole, expiresAt: Date) async throws -> (StaffUser, token: String) {
        let (user, token) = try await users.add(name: name, role: role, tokenExpiresAt: expiresAt)
        try await record(.tokenIssued, user: user.id, details: ["expires": LedgerEntry.timestamp(expiresAt), "role": role.rawValue])
        return (user, token)
    }

    /// A new token for an active user; the old one stops at once. Nil when there is no such active user.
    public func rotate(id: String, expiresAt: Date) async throws -> String? {
        guard let token = try await users.rotate(id: id, tokenExpiresAt: expiresAt) else { return nil }
        try await record(.tokenRotated, user: id, details: ["expires": LedgerEntry.timestamp(expiresAt)])
        return token
    }

    /// Revokes a user's token (and sessions); false when there is no such user.
    public func revoke(id: String) async throws -> Bool {
        guard try await users.revoke(id: id) else { return false }
        try await record(.tokenRevoked, user: id, details: [:])
        return true
    }

    private func record(_ action: LedgerAction, user: String, details: [String: String]) async throws {
        var details = details
        details["user"] = user
        _ = try await ledger.append([LedgerDraft(actor: actor, action: action, caseIDs: [], details: details)])
    }
}
