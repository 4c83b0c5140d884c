import Foundation
import Yams

/// The partners named by `policies/partners/*.yaml`, and which certificate belongs to which.
public struct PartnerDirectory: Sendable {
    public let partners: [Partner]

    public init(partners: [Partner]) throws(PolicyError) {
        var seenOrganisations: [String: String] = [:]
        var seenFingerprints: [String: String] = [:]
        for partner in partners {
            if let org = partner.certificateOrganisation {
                if let other = seenOrganisations[org] { throw .ambiguousCertificate(org, partner.id, other) }
                seenOrganisations[org] = partner.id
            }
            for fingerprint in partner.certificateFingerprints {
                if let other = seenFingerprints[fingerprint] { throw .ambiguousCertificate(fingerprint, partner.id, other) }
                seenFingerprints[fingerprint] = partner.id
            }
        }
        self.partners = partners.sorted { $0.id < $1.id }
    }

    /// The partner trust anchors named by the policies, for the partner listener's handshakes.
    public var trustAnchors: [PartnerTrustAnchor] { partners.compactMap(\.trustAnchor) }

    /// The partner a verified certificate belongs to. It claims a partner by fingerprint (which wins) or by
    /// organisation and subject alternative names; it maps to that partner only if it was issued by the
    /// partner's own CA or, for a partner without one, by the council's partner CA (the handshake verified
    /// the chain, so a certificate no partner CA issued was issued by the council's).
    public func match(_ presented: PresentedCertificate) -> CertificateMatch {
        let claimed =
            partners.first { $0.certificateFingerprints.contains(presented.fingerprint) }
            ?? partners.first { $0.isClaimed(by: presented) }
        guard let claimed else { return .none }
        let issuer = partners.first { $0.trustAnchor?.issued(presented.certificate) ?? false }
        if let issuer { return issuer.id == claimed.id ? .partner(claimed) : .wrongIssuer(claimed: claimed, issuer: issuer) }
        return claimed.trustAnchor == nil ? .partner(claimed) : .wrongIssuer(claimed: claimed, issuer: nil)
    }
}

/// What a certificate maps to.
public enum CertificateMatch: Sendable, Equatable {
    case partner(Partner)
    /// No partner's policy claims it.
    case none
    /// It claims `claimed` but was issued by another partner's CA (`issuer`) or, when nil, by the council's.
    case wrongIssuer(claimed: Partner, issuer: Partner?)
}

/// Lower-case hex without separators, the form fingerprints are compared in.
public func normaliseFingerprint(_ text: String) -> String {
    text.lowercased().filter { $0 != ":" && !$0.isWhitespace }
}
