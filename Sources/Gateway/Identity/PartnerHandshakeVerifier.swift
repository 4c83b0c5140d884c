import Foundation
import Logging
import NIOCore
import NIOSSL
import SharingPolicy
import X509

/// Verifies partner client certificates during the handshake, in place of BoringSSL's own check, against
/// the council's partner CA and every partner CA the policies in force name, so a reload that adds (or
/// drops) a partner's CA applies from the next connection. A refusal is counted and logged with its reason
/// (unknown CA, expired, not yet valid, rejected) and the peer's address, never the certificate.
struct PartnerHandshakeVerifier: Sendable {
    let councilCAs: [Certificate]
    let policies: PolicyStore
    let logger: Logger

    /// Reads the council's partner CA file (one or more PEM certificates).
    init(councilCAFile path: String, policies: PolicyStore, logger: Logger) throws {
        councilCAs = try NIOSSLCertificate.fromPEMFile(path).map { try Certificate(derEncoded: try $0.toDERBytes()) }
        self.policies = policies
        self.logger = logger
    }

    /// Accepts the chain or names why not; nothing is logged here.
    func verdict(_ chain: [NIOSSLCertificate]) async -> GatewayMetrics.HandshakeRefusal? {
        guard let first = chain.first else { return .noCertificate }
        guard let leaf = try? Certificate(derEncoded: try first.toDERBytes()) else { return .certificateRejected }
        let intermediates = chain.dropFirst().compactMap { try? Certificate(derEncoded: try $0.toDERBytes()) }
        let roots = councilCAs + policies.current.policySet.directory.trustAnchors.map(\.certificate)
        // Validity is checked against the clock, as BoringSSL would (RFC5280Policy takes no other time).
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy() }
        let time = Date()
        if case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) { return nil }
        if time > leaf.notValidAfter { return .expired }
        if time < leaf.notValidBefore { return .notYetValid }
        let issuers = Set(roots.map(\.subject) + intermediates.map(\.subject))
        return issuers.contains(leaf.issuer) ? .certificateRejected : .unknownCA
    }

    /// The NIOSSL callback for one connection from `peer`.
    func callback(peer: String, listener: String) -> NIOSSLCustomVerificationCallback {
        { chain, promise in
            promise.completeWithTask {
                guard let refusal = await verdict(chain) else { return .certificateVerified }
                GatewayMetrics.handshakeRefused(listener: listener, refusal)
                logger.notice(
                    "TLS handshake refused",
                    metadata: ["listener": .string(listener), "reason": .string(refusal.rawValue), "peer": .string(peer)]
                )
                return .failed
            }
        }
    }
}
