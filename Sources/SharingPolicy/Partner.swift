/// A partner agency and how its client certificates are recognised.
public struct Partner: Hashable, Sendable {
    /// Stable id, e.g. "met-police"; the file name under `policies/partners/`.
    public var id: String
    public var name: String
    /// Certificates whose subject organisation (O) is exactly this are the partner's.
    public var certificateOrganisation: String?
    /// Certificates with these SHA-256 fingerprints (lower-case hex) are the partner's.
    public var certificateFingerprints: Set<String>
    /// When set, a certificate must also carry one of these subject alternative names (DNS, email or URI).
    public var subjectAltNames: Set<String>
    /// The partner's own CA: its certificates must chain to it, never to the council's partner CA.
    public var trustAnchor: PartnerTrustAnchor?

    public init(
        id: String,
        name: String,
        certificateOrganisation: String?,
        certificateFingerprints: Set<String>,
        subjectAltNames: Set<String> = [],
        trustAnchor: PartnerTrustAnchor? = nil
    ) {
        self.id = id
        self.name = name
        self.certificateOrganisation = certificateOrganisation
        self.certificateFingerprints = certificateFingerprints
        self.subjectAltNames = subjectAltNames
        self.trustAnchor = trustAnchor
    }

    /// Whether the certificate's subject claims to be this partner: its organisation (and, when the policy
    /// lists some, one of its subject alternative names) match. Fingerprints are checked apart.
    public func isClaimed(by presented: PresentedCertificate) -> Bool {
        if let certificateOrganisation, presented.organisation != certificateOrganisation { return false }
        if !subjectAltNames.isEmpty, presented.subjectAltNames.isDisjoint(with: subjectAltNames) { return false }
        return certificateOrganisation != nil || !subjectAltNames.isEmpty
    }
}
