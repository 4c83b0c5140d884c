import Foundation
import Hummingbird

/// The IG console's certificates page: the server certificate, the council's partner CA, every partner CA
/// the policies name and every partner certificate the council signed, soonest expiry first; those within
/// 30 days (or past) highlighted, so a renewal is asked for before partners' handshakes start failing.
struct CertificatePages {
    let tls: GatewayConfiguration.TLSFiles
    let policies: PolicyStore
    let now: @Sendable () -> Date

    func addRoutes(to console: RouterGroup<StaffRequestContext>) {
        console.get("certificates", use: page)
    }

    @Sendable func page(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let inventory = CertificateInventory(tls, policies: policies)
        let now = now()
        let rows = inventory.entries.map { entry -> [String: Any] in
            let days = entry.daysLeft(at: now)
            var row: [String: Any] = [
                "role": entry.role.rawValue, "subject": entry.subject, "expires": ISO8601DateFormatter().string(from: entry.notValidAfter),
                "days": days, "path": entry.path,
            ]
            if let partner = entry.partner { row["partner"] = partner }
            if days < CertificateInventory.warningDays { row["soon"] = true }
            if days < 0 { row["expired"] = true }
            return row
        }
        let soon = inventory.expiringSoon(at: now).count
        var page: [String: Any] = ["rows": rows, "limit": CertificateInventory.warningDays]
        if soon > 0 { page["soon"] = soon }
        return try ConsoleTemplates.page("certificates", title: "Certificates", page, context: context)
    }
}
