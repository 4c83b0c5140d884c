import ArgumentParser
import DevPKI
import Foundation
import Gateway
import SharingPolicy
import X509

struct Certs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The council's partner CA, partners' certificate requests and signing, expiry, revocation.",
        subcommands: [CA.self, Request.self, Sign.self, List.self, Show.self, Revoke.self]
    )

    struct CA: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make the CA and server certificate in --dir, unless they exist.")

        @Option(help: "Certificate directory.") var dir = "certs/dev"

        func run() throws {
            let files = DevCertificateFiles(directory: URL(fileURLWithPath: dir))
            let (ca, created) = try files.loadOrCreateCA()
            try files.ensureServer(ca: ca)
            print(created ? "made \(files.caCertificate.path)" : "\(files.caCertificate.path) exists; kept it")
            print("server certificate: \(files.serverCertificate.path)")
        }
    }

    struct Request: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The partner's side: make a key and a certificate signing request for a partner to send the council.",
            discussion: """
                For partners without their own tooling. The key stays with the partner (mode 0600; never sent); \
                the CSR's subject is the organisation the partner's policy names, so `certs sign` accepts it.
                """
        )

        @Option(help: "Partner id, as in policies/partners/<id>.yaml.") var partner: String
        @Option(help: "Organisation (O), as the partner's policy names it; read from --policies-dir when left out.")
        var organisation: String?
        @Option(help: "Directory of sharing policies, for the organisation when --organisation is left out.") var policiesDir = "policies"
        @Option(help: "Directory to write <partner>.key and <partner>.csr in.") var dir = "."

        func run() throws {
            guard let organisation = try organisation ?? policyOrganisation() else {
                throw ValidationError("give --organisation: no policy for \(partner) names one in \(policiesDir)/partners/")
            }
            let directory = URL(fileURLWithPath: dir)
            let key = directory.appendingPathComponent("\(partner).key")
            let csrFile = directory.appendingPathComponent("\(partner).csr")
            guard !FileManager.default.fileExists(atPath: key.path) else { throw ValidationError("\(key.path) exists; a key is never replaced") }
            let (privateKey, csr) = try PartnerEnrolment.request(partner: partner, organisation: organisation)
            try DevCertificateFiles(directory: directory).writeKey(privateKey, to: key)
            try Data(try csr.serializeAsPEM().pemString.utf8).write(to: csrFile, options: .atomic)
            print("key (keep it; never send it): \(key.path)")
            print("certificate signing request (send it to the council): \(csrFile.path)")
        }

        private func policyOrganisation() throws -> String? {
            guard FileManager.default.fileExists(atPath: policiesDir) else { return nil }
            return try loadPolicies(policiesDir).policies.first { $0.partner.id == partner }?.partner.certificateOrganisation
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The council's side: check a partner's CSR against its policy and sign it with the partner CA.",
            discussion: """
                The CSR must parse, verify with its own key, and name the organisation (O) in the partner's \
                policy; a partner with its own CA (certificate.ca) gets its certificates from that CA instead. \
                A copy of the certificate is kept in <ca-dir>/issued/ for expiry listings.
                """
        )

        @Option(help: "The partner's certificate signing request (PEM).") var csr: String
        @Option(help: "Partner id, as in policies/partners/<id>.yaml.") var partner: String
        @Option(help: "Where to write the certificate (PEM), to send back to the partner.") var output: String
        @Option(help: "Days the certificate is valid (1 to 825).") var days = 397
        @Option(help: "Directory of the council's partner CA (ca.pem, ca.key).") var caDir = "certs/dev"
        @Option(help: "Directory of sharing policies.") var policiesDir = "policies"

        func run() throws {
            guard (1...825).contains(days) else { throw ValidationError("--days must be from 1 to 825") }
            let set = try loadPolicies(policiesDir)
            guard let policy = set.policies.first(where: { $0.partner.id == partner })?.partner else {
                throw ValidationError("no partner '\(partner)' in \(policiesDir)/partners/")
            }
            if let anchor = policy.trustAnchor {
                throw ValidationError("\(partner) has its own CA (\(anchor.path)); its certificates come from that CA, not the council's")
            }
            guard let organisation = policy.certificateOrganisation else {
                throw ValidationError("\(partner)'s policy names no certificate.organisation to check the request against; add it")
            }
            let text: String
            do { text = try String(contentsOfFile: csr, encoding: .utf8) } catch { throw ValidationError("cannot read \(csr)") }
            let request: CertificateSigningRequest
            switch PartnerEnrolment.check(pem: text, organisation: organisation) {
            case .success(let checked): request = checked
            case .failure(let error): throw ValidationError("\(csr): \(error)")
            }
            let files = DevCertificateFiles(directory: URL(fileURLWithPath: caDir))
            guard FileManager.default.fileExists(atPath: files.caKey.path) else { throw ValidationError("no partner CA key at \(files.caKey.path)") }
            let (ca, _) = try files.loadOrCreateCA()
            let certificate = try ca.sign(request, validUntil: Date().addingTimeInterval(Double(days) * 86400))
            try files.record(certificate, partner: partner, at: URL(fileURLWithPath: output))
            print("certificate: \(output) (send it to \(policy.name))")
            print("subject:     \(certificate.subject)")
            print("serial:      \(certificate.serialNumber.bytes.hexString)")
            print("valid until: \(certificate.notValidAfter)")
            print("sha-256:     \(try certificate.sha256Fingerprint)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the server certificate, the partner CAs and the partner certificates the council signed, by expiry.",
            discussion: "Those expiring within 30 days are marked; the exit status is 0 either way."
        )

        @Option(help: "Directory of the council's partner CA, server certificate and issued/.") var dir = "certs/dev"
        @Option(help: "The server certificate, if not <dir>/server.pem.") var serverCertificate: String?
        @Option(help: "Directory of sharing policies (for the partner CAs they name).") var policiesDir = "policies"

        func run() throws {
            let files = DevCertificateFiles(directory: URL(fileURLWithPath: dir))
            let inventory = CertificateInventory(
                serverCertificate: serverCertificate ?? files.serverCertificate.path,
                partnerCA: files.caCertificate.path,
                policies: try? PolicySet.load(directory: URL(fileURLWithPath: policiesDir))
            )
            let now = Date()
            for entry in inventory.entries {
                let days = entry.daysLeft(at: now)
                let mark = days < 0 ? "  EXPIRED" : days < CertificateInventory.warningDays ? "  EXPIRES SOON" : ""
                let owner = entry.partner.map { " (\($0))" } ?? ""
                print(
                    "\(ISO8601DateFormatter().string(from: entry.notValidAfter))  \(String(format: "%5d", days)) days  \(entry.role.rawValue)\(owner): \(entry.subject)\(mark)"
                )
            }
            if inventory.entries.isEmpty { print("no certificates found under \(dir)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a certificate's subject, issuer, validity and fingerprint.")

        @Argument(help: "A PEM certificate file.") var file: String

        func run() throws {
            let pem = try String(contentsOfFile: file, encoding: .utf8)
            let certificate = try Certificate(pemEncoded: pem)
            print("subject:     \(certificate.subject)")
            print("issuer:      \(certificate.issuer)")
            print("serial:      \(certificate.serialNumber.bytes.hexString)")
            print("valid from:  \(certificate.notValidBefore)")
            print("valid until: \(certificate.notValidAfter)")
            print("sha-256:     \(try certificate.sha256Fingerprint)")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a partner certificate: add it to policies/revoked-certificates.yaml.",
            discussion: "Takes effect when the policies are reloaded: POST /v1/policies/reload, or kill -HUP the gateway."
        )

        @Option(help: "The certificate (PEM) to revoke.") var certificate: String?
        @Option(help: "Or its SHA-256 fingerprint, in hex.") var fingerprint: String?
        @Option(help: "Or its issuer's distinguished name, as `certs show` prints it (with --serial).") var issuer: String?
        @Option(help: "Its serial number in hex (with --issuer).") var serial: String?
        @Option(help: "Why, for the record (no personal data).") var reason: String
        @Option(help: "Directory of sharing policies.") var policiesDir = "policies"

        func validate() throws {
            let named = [certificate != nil, fingerprint != nil, issuer != nil || serial != nil].filter { $0 }.count
            guard named == 1 else { throw ValidationError("give --certificate, --fingerprint, or --issuer with --serial: one of them") }
            guard (issuer == nil) == (serial == nil) else { throw ValidationError("--issuer and --serial go together") }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must say why") }
        }

        func run() throws {
            let file = URL(fileURLWithPath: policiesDir).appendingPathComponent(RevocationList.fileName)
            let existing = FileManager.default.contents(atPath: file.path).map { String(decoding: $0, as: UTF8.self) }
            let day = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "Europe/London")!, formatOptions: [.withFullDate])
            if let issuer, let serial {
                try write(RevocationList.appending(.init(issuer: issuer, serial: serial, reason: reason, revokedAt: day), to: existing), file)
                print("revoked serial \(RevocationList.normaliseSerial(serial)) of \(issuer) in \(file.path)")
                print("reload the policies for it to take effect: POST /v1/policies/reload, or kill -HUP the gateway")
                return
            }
            let target: String
            if let certificate {
                let pem: String
                do { pem = try String(contentsOfFile: certificate, encoding: .utf8) } catch { throw ValidationError("cannot read \(certificate)") }
                do { target = try Certificate(pemEncoded: pem).sha256Fingerprint } catch {
                    throw ValidationError("\(certificate) is not a PEM certificate")
                }
            } else {
                target = normaliseFingerprint(fingerprint ?? "")
            }
            if let existing, let list = try? RevocationList.parse(text: existing, file: file.path), list.isRevoked(fingerprint: target) {
                print("\(target) is already revoked; \(file.path) unchanged")
                return
            }
            try write(RevocationList.appending(.init(fingerprint: target, reason: reason, revokedAt: day), to: existing), file)
            print("revoked \(target) in \(file.path)")
            print("reload the policies for it to take effect: POST /v1/policies/reload, or kill -HUP the gateway")
        }

        /// The new file must read back whole before it replaces the old one.
        private func write(_ text: String, _ file: URL) throws {
            do { _ = try RevocationList.parse(text: text, file: file.path) } catch {
                printPolicyErrors(error)
                throw ExitCode.failure
            }
            try Data(text.utf8).write(to: file, options: .atomic)
        }
    }
}
