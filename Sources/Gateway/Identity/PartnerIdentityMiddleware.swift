import Hummingbird
import NIOSSL

/// Identifies the partner behind each request from its TLS client certificate, and fixes the policy set
/// the request is served under: the agreement check and the view use that snapshot, never the set a
/// reload may have put in force meanwhile. Requests from certificates no partner claims stop here with 403.
public struct PartnerIdentityMiddleware: RouterMiddleware {
    public typealias Context = PartnerRequestContext
    let policies: PolicyStore
    let peerCertificate: PeerCertificateSource

    public init(policies: PolicyStore, peerCertificate: PeerCertificateSource = .tls) {
        self.policies = policies
        self.peerCertificate = peerCertificate
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let der = try await peerCertificate.read(context) else {
            GatewayMetrics.refused(.noCertificate)
            throw Problem.unauthorised("a client certificate is required on the partner listener")
        }
        let (snapshot, resolution) = policies.resolve(certificateDER: der)
        let identity: AuthenticatedPartner
        switch resolution {
        case .partner(let partner):
            identity = partner
        case .revoked(let fingerprint):
            GatewayMetrics.refused(.revokedCertificate)
            context.logger.warning("revoked client certificate refused", metadata: ["certificate_fingerprint": .string(fingerprint)])
            throw Problem.forbidden("this certificate has been revoked")
        case .unknown(let fingerprint):
            GatewayMetrics.refused(.unknownCertificate)
            context.logger.warning("client certificate not mapped to any partner", metadata: ["certificate_fingerprint": .string(fingerprint)])
            throw Problem.forbidden("this certificate is not registered to any partner agency")
        case .wrongIssuer(let fingerprint, let claimed, let issuer):
            GatewayMetrics.refused(.wrongPartnerCA)
            context.logger.warning(
                "client certificate claims a partner whose CA did not issue it",
                metadata: [
                    "certificate_fingerprint": .string(fingerprint), "claimed_partner": .string(claimed),
                    "issuing_ca": .string(issuer.map { "partner \($0)" } ?? "council partner CA"),
                ]
            )
            throw Problem.forbidden("this certificate was not issued by the certificate authority registered for '\(claimed)'")
        }
        var context = context
        context.partner = identity
        context.policies = snapshot
        context.logger[metadataKey: "partner"] = .string(identity.partner.id)
        return try await next(request, context)
    }
}

/// Where the identity middleware finds the client certificate's DER bytes.
public struct PeerCertificateSource: Sendable {
    let read: @Sendable (PartnerRequestContext) async throws -> [UInt8]?

    public init(_ read: @escaping @Sendable (PartnerRequestContext) async throws -> [UInt8]?) {
        self.read = read
    }

    /// The certificate the TLS handshake verified on the request's connection, read once a connection.
    public static let tls = PeerCertificateSource { context in
        guard let channel = context.channel else { return nil }
        guard let connection = ConnectionCertificate.current else { return try await ConnectionCertificate.readFromTLS(channel) }
        return try await connection.read(from: channel)
    }

    /// Router tests, which have no TLS: every request presents `der` (or none).
    public static func fixed(_ der: [UInt8]?) -> PeerCertificateSource {
        PeerCertificateSource { _ in der }
    }
}
