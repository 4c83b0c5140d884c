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

    public func partner(id: String) -> Partner? {
        partners.first { $0.id == id }
    }

    /// Reads every `*.yaml` file under `directory/partners`.
    public static func load(policiesDirectory directory: URL) throws(PolicyError) -> PartnerDirectory {
        let partnersDir = directory.appendingPathComponent("partners")
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: partnersDir.path)
        } catch {
            throw .unreadable(path: partnersDir.path, reason: "cannot list the directory")
        }
        var partners: [Partner] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let url = partnersDir.appendingPathComponent(name)
            partners.append(try PartnerFile.parse(url))
        }
        return try PartnerDirectory(partners: partners)
    }
}

/// The identity part of a partner policy file.
enum PartnerFile {
    struct Document: Decodable {
        struct CertificateMatch: Decodable {
            var organisation: String?
            var fingerprints: [String]?
        }
        var partner: String
        var name: String
        var certificate: CertificateMatch
    }

    static func parse(_ url: URL) throws(PolicyError) -> Partner {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .unreadable(path: url.path, reason: "not readable as UTF-8 text")
        }
        let document: Document
        do {
            document = try YAMLDecoder().decode(Document.self, from: text)
        } catch {
            throw .invalid(path: url.path, reason: "\(error)")
        }
        let stem = url.deletingPathExtension().lastPathComponent
        guard document.partner == stem else {
            throw .invalid(path: url.path, reason: "partner id '\(document.partner)' must match the file name '\(stem)'")
        }
        let fingerprints = Set((document.certificate.fingerprints ?? []).map(normaliseFingerprint))
        if document.certificate.organisation == nil && fingerprints.isEmpty {
            throw .invalid(path: url.path, reason: "certificate needs an organisation or at least one fingerprint")
        }
        for fingerprint in fingerprints where fingerprint.count != 64 || !fingerprint.allSatisfy(\.isHexDigit) {
            throw .invalid(path: url.path, reason: "fingerprint '\(fingerprint)' is not 64 hex digits of SHA-256")
        }
        return Partner(
            id: document.partner, name: document.name,
            certificateOrganisation: document.certificate.organisation, certificateFingerprints: fingerprints
        )
    }
}

/// Lower-case hex without separators, the form fingerprints are compared in.
public func normaliseFingerprint(_ text: String) -> String {
    text.lowercased().filter { $0 != ":" && !$0.isWhitespace }
}
