import ArgumentParser
import DevPKI
import Foundation
import SharingPolicy
import X509

struct Certs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make and inspect partner CA and certificates.",
        subcommands: [CA.self, Issue.self, Show.self, Revoke.self]
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

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a partner client certificate signed by the CA in --dir.",
            discussion: "The organisation must match the partner's policy file, or add the printed fingerprint to it."
        )

        @Option(help: "Partner id, as in policies/partners/<id>.yaml.") var partner: String
        @Option(help: "Organisation (O) to put in the subject.") var organisation: String
        @Option(help: "Days the certificate is valid.") var days = 365
        @Option(help: "Certificate directory.") var dir = "certs/dev"
        @Flag(help: "Replace an existing certificate for this partner.") var force = false

        func run() throws {
            let files = DevCertificateFiles(directory: URL(fileURLWithPath: dir))
            let (ca, _) = try files.loadOrCreateCA()
            let certificateURL = files.partnerCertificate(partner)
            if FileManager.default.fileExists(atPath: certificateURL.path) && !force {
                throw ValidationError("\(certificateURL.path) exists; pass --force to replace it")
            }
            guard (1...3650).contains(days) else { throw ValidationError("--days must be from 1 to 3650") }
            let issued = try ca.issueClient(
                commonName: partner,
                organisation: organisation,
                validUntil: Date().addingTimeInterval(Double(days) * 86400)
            )
            try files.write(issued, certificate: certificateURL, key: files.partnerKey(partner))
            print("certificate: \(certificateURL.path)")
            print("key:         \(files.partnerKey(partner).path)")
            print("sha-256:     \(try issued.fingerprint)")
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
        @Option(help: "Why, for the record (no personal data).") var reason: String
        @Option(help: "Directory of sharing policies.") var policiesDir = "policies"

        func validate() throws {
            guard (certificate == nil) != (fingerprint == nil) else { throw ValidationError("give --certificate or --fingerprint, not both") }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must say why") }
        }

        func run() throws {
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
            let file = URL(fileURLWithPath: policiesDir).appendingPathComponent(RevocationList.fileName)
            let existing = FileManager.default.contents(atPath: file.path).map { String(decoding: $0, as: UTF8.self) }
            if let existing, let list = try? RevocationList.parse(text: existing, file: file.path), list.isRevoked(fingerprint: target) {
                print("\(target) is already revoked; \(file.path) unchanged")
                return
            }
            let day = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "Europe/London")!, formatOptions: [.withFullDate])
            let text = RevocationList.appending(.init(fingerprint: target, reason: reason, revokedAt: day), to: existing)
            // The new file must read back whole before it replaces the old one.
            do { _ = try RevocationList.parse(text: text, file: file.path) } catch {
                printPolicyErrors(error)
                throw ExitCode.failure
            }
            try Data(text.utf8).write(to: file, options: .atomic)
            print("revoked \(target) in \(file.path)")
            print("reload the policies for it to take effect: POST /v1/policies/reload, or kill -HUP the gateway")
        }
    }
}
