import Hummingbird

/// Partner identity: `GET /v1/whoami`.
struct PartnerController {
    func addRoutes(to group: RouterGroup<PartnerRequestContext>) {
        group.get("whoami", use: whoami)
    }

    @Sendable func whoami(_ request: Request, context: PartnerRequestContext) async throws -> WhoAmI {
        guard let identity = context.partner else { throw Problem.unauthorised("no partner identity") }
        return WhoAmI(partner: identity.partner.id, name: identity.partner.name, certificateFingerprint: identity.certificateFingerprint)
    }

    struct WhoAmI: ResponseEncodable {
        var partner: String
        var name: String
        var certificateFingerprint: String
    }
}
