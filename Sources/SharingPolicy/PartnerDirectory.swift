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

    /// The partner a certificate belongs to: a fingerprint match wins over an
    /// organisation match; nil when none matches.
    public func partner(fingerprint: String, organisation: String?) -> Partner? {
        if let byFingerprint = partners.first(where: { $0.certificateFingerprints.contains(fingerprint) }) {
            return byFingerprint
        }
        guard let organisation else { return nil }
        return partners.first { $0.certificateOrganisation == organisation }
    }

}

/// Lower-case hex without separators, the form fingerprints are compared in.
public func normaliseFingerprint(_ text: String) -> String {
    text.lowercased().filter { $0 != ":" && !$0.isWhitespace }
}
