import Hummingbird
import Redaction
import SharingPolicy

/// Admins reload sharing policies: `POST /v1/policies/reload`.
struct PolicyController {
    let policies: PolicyStore
    let audit: Audit

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.post("reload", use: reload)
    }

    @Sendable func reload(_ request: Request, context: StaffRequestContext) async throws -> Reloaded {
        let set: CompiledPolicySet
        do {
            set = try policies.reload()
        } catch {
            context.logger.error("policy reload rejected; the previous set stays in force", metadata: ["errors": "\(error.diagnostics.count)"])
            throw Problem(
                .unprocessableContent,
                type: "invalid-policy",
                detail: "the new policy set has \(error.diagnostics.count) error(s); the previous set stays in force",
                errors: error.diagnostics.map(\.description)
            )
        }
        try await audit.policyLoad(set, requestID: context.requestID, by: try context.requireUser())
        context.logger.notice("policies reloaded", metadata: ["version": "\(set.version)"])
        return Reloaded(version: set.version, partners: set.policySet.policies.map(\.partner.id))
    }

    struct Reloaded: ResponseEncodable {
        var version: String
        var partners: [String]
    }
}
