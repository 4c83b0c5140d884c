import Hummingbird
import NIOSSL

/// Identifies the partner behind each request from its TLS client certificate.
/// Requests from certificates no partner claims stop here with 403.
public struct PartnerIdentityMiddleware: RouterMiddleware {
    public typealias Context = PartnerRequestContext
    let policies: PolicyStore

    public init(policies: PolicyStore) {
        self.policies = policies
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let channel = context.channel,
              let certificate = try await channel.nioSSL_peerCertificate().get()
        else {
            throw Problem.unauthorised("a client certificate is required on the partner listener")
        }
        let identity: AuthenticatedPartner
        switch policies.resolve(certificateDER: try certificate.toDERBytes()) {
        case .partner(let partner):
            identity = partner
        case .revoked(let fingerprint):
            context.logger.warning("revoked client certificate refused", metadata: ["certificate_fingerprint": .string(fingerprint)])
            throw Problem.forbidden("this certificate has been revoked")
        case .unknown(let fingerprint):
            context.logger.warning("client certificate not mapped to any partner", metadata: ["certificate_fingerprint": .string(fingerprint)])
            throw Problem.forbidden("this certificate is not registered to any partner agency")
        }
        var context = context
        context.partner = identity
        context.logger[metadataKey: "partner"] = .string(identity.partner.id)
        return try await next(request, context)
    }
}
