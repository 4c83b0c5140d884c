/// A partner agency and how its client certificates are recognised.
public struct Partner: Hashable, Sendable {
    /// Stable id, e.g. "met-police"; the file name under `policies/partners/`.
    public var id: String
    public var name: String
    /// Certificates whose subject organisation (O) is exactly this are the partner's.
    public var certificateOrganisation: String?
    /// Certificates with these SHA-256 fingerprints (lower-case hex) are the partner's.
    public var certificateFingerprints: Set<String>

    public init(id: String, name: String, certificateOrganisation: String?, certificateFingerprints: Set<String>) {
        self.id = id
        self.name = name
        self.certificateOrganisation = certificateOrganisation
        self.certificateFingerprints = certificateFingerprints
    }
}
