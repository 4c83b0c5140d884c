import Hummingbird
import SharingPolicy

/// Admins reload sharing policies: `POST /v1/policies/reload`.
struct PolicyController {
    let policies: PolicyStore

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.post("reload", use: reload)
    }

    @Sendable func reload(_ request: Request, context: StaffRequestContext) async throws -> Reloaded {
        do {
            let set = try policies.reload()
            context.logger.notice("policies reloaded", metadata: ["version": "\(set.version)"])
            return Reloaded(version: set.version, partners: set.policySet.policies.map(\.partner.id))
        } catch {
            context.logger.error("policy reload rejected; the previous set stays in force", metadata: ["errors": "\(error.diagnostics.count)"])
            throw Problem(
                .unprocessableContent, type: "invalid-policy",
                detail: "the new policy set has \(error.diagnostics.count) error(s); the previous set stays in force",
                errors: error.diagnostics.map(\.description)
            )
        }
    }

    struct Reloaded: ResponseEncodable {
        var version: String
        var partners: [String]
    }
}
