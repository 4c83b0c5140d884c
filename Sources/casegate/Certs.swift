import ArgumentParser
import DevPKI
import Foundation
import X509

struct Certs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make and inspect partner CA and certificates.",
        subcommands: [CA.self, Issue.self, Show.self]
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
                commonName: partner, organisation: organisation,
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
}
