import ByteEncoding
import Crypto
import Foundation
import Logging
import NIOCore
import NIOSSL
import SharingPolicy
import Synchronization
import X509

/// Verifies partner client certificates during the handshake, in place of BoringSSL's own check, against
/// the council's partner CA and every partner CA the policies in force name, so a reload that adds (or
/// drops) a partner's CA applies from the next connection. A refusal is counted and logged with its reason
/// (unknown CA, expired, not yet valid, rejected) and the peer's address, never the certificate.
struct PartnerHandshakeVerifier: Sendable {
    let councilCAs: [Certificate]
    let policies: PolicyStore
    let logger: Logger
    let accepted = AcceptedChains()

    /// Reads the council's partner CA file (one or more PEM certificates).
    init(councilCAFile path: String, policies: PolicyStore, logger: Logger) throws {
        councilCAs = try NIOSSLCertificate.fromPEMFile(path).map { try Certificate(derEncoded: try $0.toDERBytes()) }
        self.policies = policies
        self.logger = logger
    }

    /// Accepts the chain or names why not; nothing is logged here.
    func verdict(_ chain: [NIOSSLCertificate]) async -> GatewayMetrics.HandshakeRefusal? {
        guard !chain.isEmpty else { return .noCertificate }
        guard let ders = try? chain.map({ try $0.toDERBytes() }) else { return .certificateRejected }
        guard let leaf = try? Certificate(derEncoded: ders[0]) else { return .certificateRejected }
        let set = policies.current
        let time = Date()
        let key = AcceptedChains.key(ders, policyVersion: set.version)
        if accepted.contains(key, at: time) { return nil }
        let intermediates = ders.dropFirst().compactMap { try? Certificate(derEncoded: $0) }
        let roots = councilCAs + set.policySet.directory.trustAnchors.map(\.certificate)
        // Validity is checked against the clock, as BoringSSL would (RFC5280Policy takes no other time).
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy() }
        if case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
            accepted.insert(key, until: min(time.addingTimeInterval(AcceptedChains.lifetime), leaf.notValidAfter))
            return nil
        }
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

/// Chains accepted lately, by their bytes and the policy set they were checked under: a partner opens many
/// connections with the same certificate, and one verified under the same set less than a minute ago need
/// not be verified again. An entry lasts `lifetime` at most, never past the leaf's expiry; a reload (a new
/// policy version) makes every chain checked afresh. Revocation is checked on every request regardless.
final class AcceptedChains: Sendable {
    static let lifetime: TimeInterval = 60
    static let limit = 1024
    private let until = Mutex<[ByteKey: Date]>([:])

    static func key(_ ders: [[UInt8]], policyVersion: String) -> ByteKey {
        var hash = SHA256()
        hash.update(data: Array(policyVersion.utf8))
        for der in ders { hash.update(data: der) }
        return ByteKey(Array(hash.finalize()))
    }

    func contains(_ key: ByteKey, at now: Date) -> Bool {
        until.withLock { ($0[key] ?? .distantPast) > now }
    }

    func insert(_ key: ByteKey, until date: Date) {
        until.withLock { entries in
            if entries.count >= Self.limit { entries.removeAll(keepingCapacity: true) }
            entries[key] = date
        }
    }
}
