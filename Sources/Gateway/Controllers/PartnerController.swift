import Hummingbird

/// Partner identity: `GET /v1/whoami`, and `GET /v1/ping`, the load baseline.
struct PartnerController {
    func addRoutes(to group: RouterGroup<PartnerRequestContext>) {
        group
            .get("whoami", use: whoami)
            .get("ping", use: ping)
    }

    /// The handshake, the certificate check and the identity lookup, and nothing else: what the
    /// stack costs before any case work, so disclosure throughput can be read as a share of it.
    @Sendable func ping(_ request: Request, context: PartnerRequestContext) async throws -> Response {
        guard context.partner != nil else { throw Problem.unauthorised("no partner identity") }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(staticString: "{\"status\":\"ok\"}"))
        )
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
