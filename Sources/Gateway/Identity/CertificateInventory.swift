import Foundation
import NIOSSL
import SharingPolicy
import X509

/// Every certificate the gateway depends on, with when it expires: the server's, the council's partner CA,
/// each partner CA a policy names, each partner certificate the council signed (kept in `issued/` beside
/// the partner CA), and each partner certificate presented since the gateway started. Listed by `casegate certs list` and on the console; logged once a day when one
/// expires within `warningDays`.
public struct CertificateInventory: Sendable {
    /// What a certificate is to the gateway; the raw value is how listings name it.
    public enum Role: String, Sendable {
        case server
        case councilCA = "council partner CA"
        case partnerCA = "partner CA"
        /// One the council signed (`certs sign`).
        case signed = "partner certificate"
        /// One a partner presented in a handshake since the gateway started.
        case presented = "partner certificate (presented)"
    }

    public struct Entry: Sendable, Equatable {
        public var role: Role
        /// The partner it belongs to, where it belongs to one.
        public var partner: String?
        public var subject: String
        public var notValidAfter: Date
        public var path: String

        public func daysLeft(at now: Date) -> Int { Int((notValidAfter.timeIntervalSince(now) / 86400).rounded(.down)) }
    }

    public static let warningDays = 30

    public let entries: [Entry]

    /// Reads the files; one that cannot be read is left out (the listeners refuse to start on their own).
    /// `presented` are partners' certificates seen in handshakes (`PolicyStore.presentedCertificates`).
    public init(serverCertificate: String, partnerCA: String, policies: PolicySet?, presented: [Entry] = []) {
        var entries: [Entry] = []
        func add(_ role: Role, _ partner: String?, path: String) {
            guard let certificates = try? NIOSSLCertificate.fromPEMFile(path) else { return }
            for certificate in certificates {
                guard let parsed = try? Certificate(derEncoded: try certificate.toDERBytes()) else { continue }
                entries.append(
                    Entry(role: role, partner: partner, subject: parsed.subject.description, notValidAfter: parsed.notValidAfter, path: path)
                )
            }
        }
        add(.server, nil, path: serverCertificate)
        add(.councilCA, nil, path: partnerCA)
        for partner in policies?.directory.partners ?? [] {
            guard let anchor = partner.trustAnchor else { continue }
            entries.append(
                Entry(
                    role: .partnerCA,
                    partner: partner.id,
                    subject: anchor.certificate.subject.description,
                    notValidAfter: anchor.certificate.notValidAfter,
                    path: anchor.path
                )
            )
        }
        let issued = URL(fileURLWithPath: partnerCA).deletingLastPathComponent().appendingPathComponent("issued")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: issued.path)) ?? []
        for name in names.sorted() where name.hasSuffix(".pem") {
            // Named <partner>-<serial>.pem by `certs sign`.
            let partner = name.split(separator: "-").dropLast().joined(separator: "-")
            add(.signed, partner.isEmpty ? nil : partner, path: issued.appendingPathComponent(name).path)
        }
        // A certificate the council signed and that was also presented is listed once, as signed.
        let signed = Set(entries.filter { $0.role == .signed }.map { "\($0.subject)|\($0.notValidAfter)" })
        entries += presented.filter { !signed.contains("\($0.subject)|\($0.notValidAfter)") }
        self.entries = entries.sorted { $0.notValidAfter < $1.notValidAfter }
    }

    /// The gateway's own: its TLS files, the policies in force and the certificates partners presented.
    init(_ tls: GatewayConfiguration.TLSFiles, policies: PolicyStore) {
        self.init(
            serverCertificate: tls.certificate,
            partnerCA: tls.partnerCA,
            policies: policies.current.policySet,
            presented: policies.presentedCertificates
        )
    }

    /// Those expiring within `warningDays` of `now`, or expired.
    public func expiringSoon(at now: Date) -> [Entry] {
        entries.filter { $0.daysLeft(at: now) < Self.warningDays }
    }
}
