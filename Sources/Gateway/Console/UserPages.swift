import Foundation
import Hummingbird
import Storage

/// The IG console's users page: each member of staff with their role, how they sign in, and their
/// personal token's expiry and last use; tokens within 14 days of expiry, or past it, highlighted.
struct UserPages {
    let users: any UserStore
    let now: @Sendable () -> Date
    static let warningDays = 14.0

    func addRoutes(to console: RouterGroup<StaffRequestContext>) {
        console.get("users", use: page)
    }

    @Sendable func page(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let now = now()
        let format = ISO8601DateFormatter()
        let rows = try await users.list().map { user -> [String: Any] in
            var row: [String: Any] = [
                "id": user.id, "name": user.name, "role": user.role.rawValue,
                "signIn": user.subject == nil ? "personal token" : "single sign-on (and token for the API)",
                "lastUsed": user.tokenLastUsedAt.map(format.string) ?? "never",
            ]
            if let revoked = user.revokedAt {
                row["state"] = "revoked \(format.string(from: revoked))"
            } else if let expires = user.tokenExpiresAt {
                row["state"] = expires <= now ? "expired \(format.string(from: expires))" : "expires \(format.string(from: expires))"
                if expires.timeIntervalSince(now) < Self.warningDays * 86400 { row["soon"] = true }
            } else {
                row["state"] = "no expiry"
            }
            return row
        }
        return try ConsoleTemplates.page("users", title: "Staff users and tokens", ["rows": rows], context: context)
    }
}
