import ByteEncoding
import Crypto
import Foundation
import Logging
import Redaction
import SharingPolicy
import Synchronization

/// The sharing policies in force. A reload validates the whole new set first
/// and swaps it in at once; an invalid set leaves the old one in force.
public final class PolicyStore: Sendable {
    public let directory: URL
    private let pseudonymRoot: SymmetricKey
    private let state: Mutex<State>
    private let presented = Mutex<[String: CertificateInventory.Entry]>([:])

    /// The set in force and the partners its certificates resolved to, which die with it.
    private struct State {
        var snapshot: PolicySnapshot
        /// Bumped by every reload, so an answer worked out against an older set is not cached.
        var generation = 0
        /// DER bytes → partner (or none). Partners present the same certificate on every request,
        /// and resolving one means a parse and a hash.
        var identities: [ByteKey: CertificateResolution] = [:]
    }

    /// Enough for every partner's certificates, with room for rotation; cleared when full.
    static let identityCacheLimit = 1024

    public init(directory: URL, pseudonymRoot: SymmetricKey) throws(PolicyError) {
        self.directory = directory
        self.pseudonymRoot = pseudonymRoot
        self.state = Mutex(State(snapshot: PolicySnapshot(CompiledPolicySet(try PolicySet.load(directory: directory), pseudonymRoot: pseudonymRoot))))
    }

    public var current: CompiledPolicySet { state.withLock { $0.snapshot.compiled } }

    /// Re-reads the directory. Throws, changing nothing, when the new set is invalid.
    @discardableResult
    public func reload() throws(PolicyError) -> CompiledPolicySet {
        let compiled = CompiledPolicySet(try PolicySet.load(directory: directory), pseudonymRoot: pseudonymRoot)
        let snapshot = PolicySnapshot(compiled)
        state.withLock { $0 = State(snapshot: snapshot, generation: $0.generation + 1) }
        return compiled
    }

    /// The partner a verified client certificate belongs to, unless the certificate is revoked or no policy
    /// claims it, with the set it was resolved under: the request's snapshot, used for everything after.
    /// The certificate itself was verified in the handshake (chain, validity); this maps it to a partner.
    public func resolve(certificateDER der: [UInt8]) -> (snapshot: PolicySnapshot, resolution: CertificateResolution) {
        let key = ByteKey(der)
        let (snapshot, generation, cached) = state.withLock { ($0.snapshot, $0.generation, $0.identities[key]) }
        if let cached { return (snapshot, cached) }
        let set = snapshot.compiled
        let (resolution, presented) = Self.resolve(der, in: set.policySet)
        if case .partner(let partner) = resolution, let presented { remember(presented, of: partner.partner.id) }
        state.withLock { state in
            // A reload in between has made its own cache; this answer belongs to the old set.
            guard state.generation == generation else { return }
            if state.identities.count >= Self.identityCacheLimit { state.identities.removeAll(keepingCapacity: true) }
            state.identities[key] = resolution
        }
        return (snapshot, resolution)
    }
}

extension PolicyStore {
    static func resolve(_ der: [UInt8], in set: PolicySet) -> (CertificateResolution, PresentedCertificate?) {
        guard let presented = try? PresentedCertificate(der: der) else { return (.unknown(fingerprint: SHA256.hash(data: der).hexString), nil) }
        if set.revocations.isRevoked(presented) { return (.revoked(fingerprint: presented.fingerprint), presented) }
        switch set.directory.match(presented) {
        case .partner(let partner):
            return (.partner(AuthenticatedPartner(partner: partner, certificateFingerprint: presented.fingerprint)), presented)
        case .none:
            return (.unknown(fingerprint: presented.fingerprint), presented)
        case .wrongIssuer(let claimed, let issuer):
            return (.wrongIssuer(fingerprint: presented.fingerprint, claimed: claimed.id, issuer: issuer?.id), presented)
        }
    }

    /// Partners' certificates seen since the gateway started (those their own CAs issued are known no other
    /// way), for the expiry listing; at most `identityCacheLimit`.
    public var presentedCertificates: [CertificateInventory.Entry] { presented.withLock { Array($0.values) } }

    private func remember(_ certificate: PresentedCertificate, of partner: String) {
        let entry = CertificateInventory.Entry(
            role: .presented,
            partner: partner,
            subject: certificate.certificate.subject.description,
            notValidAfter: certificate.certificate.notValidAfter,
            path: "sha-256 \(certificate.fingerprint.prefix(16))…"
        )
        presented.withLock { seen in
            if seen.count >= Self.identityCacheLimit { seen.removeAll(keepingCapacity: true) }
            seen[certificate.fingerprint] = entry
        }
    }
}

/// What a verified client certificate means to the gateway.
public enum CertificateResolution: Sendable, Equatable {
    case partner(AuthenticatedPartner)
    /// On the revocation list (`policies/revoked-certificates.yaml`), by fingerprint or issuer and serial.
    case revoked(fingerprint: String)
    /// Verified, but no partner's policy claims it.
    case unknown(fingerprint: String)
    /// It claims partner `claimed` but was issued by partner `issuer`'s CA (or the council's, when nil).
    case wrongIssuer(fingerprint: String, claimed: String, issuer: String?)
}
