import CasegateTestSupport
import DevPKI
import Foundation
import HummingbirdTesting
import Logging
import SharingPolicy
import SwiftASN1
import Synchronization
import Testing
import X509

@testable import Gateway

/// Collects each log line's message and its `partner` and `role` metadata.
final class LogLines: LogHandler, @unchecked Sendable {
    let messages = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let partner = event.metadata?["partner"].map { "\($0)" } ?? "-"
        let role = event.metadata?["role"].map { "\($0)" } ?? "-"
        messages.withLock { $0.append("\(event.message) partner=\(partner) role=\(role)") }
    }
}

/// Keys stay with the partner: `certs request` on the partner's side, `certs sign` on the council's, with
/// every bad request refused precisely; and the certificates' expiry, listed and shown on the console.
@Suite("Partner enrolment and certificate expiry")
struct PartnerEnrolmentTests {
    /// Runs the casegate CLI in `directory`; its exit status, standard output and standard error.
    static func casegate(_ arguments: [String], in directory: URL) throws -> (Int32, String, String) {
        let process = ChildProcess()
        process.executableURL = try CasegateExecutable.path()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let error = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output, error)
    }

    /// A deployment directory: the shipped policies and a council partner CA in `certs/dev`.
    static func deployment() throws -> (URL, DevCertificateAuthority) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-enrol-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: CasegateExecutable.packageRoot.appendingPathComponent("policies"),
            to: root.appendingPathComponent("policies")
        )
        let files = DevCertificateFiles(directory: root.appendingPathComponent("certs/dev"))
        let (ca, _) = try files.loadOrCreateCA()
        try files.ensureServer(ca: ca)
        return (root, ca)
    }

    @Test("request on the partner's side, sign on the council's: the key never leaves, the certificate chains to the CA and maps to the partner")
    func requestAndSign() throws {
        let (root, ca) = try Self.deployment()
        defer { try? FileManager.default.removeItem(at: root) }
        // The organisation comes from the partner's policy when not given.
        let (requested, _, requestError) = try Self.casegate(["certs", "request", "--partner", "lfb", "--dir", "lfb-side"], in: root)
        #expect(requested == 0, "\(requestError)")
        let key = root.appendingPathComponent("lfb-side/lfb.key")
        let permissions = try FileManager.default.attributesOfItem(atPath: key.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(try Self.casegate(["certs", "request", "--partner", "lfb", "--organisation", "x", "--dir", "lfb-side"], in: root).0 != 0)

        let (signed, output, signError) = try Self.casegate(
            ["certs", "sign", "--csr", "lfb-side/lfb.csr", "--partner", "lfb", "--output", "lfb-side/lfb.pem", "--days", "20"],
            in: root
        )
        #expect(signed == 0, "\(signError)")
        #expect(output.contains("serial:"))
        let certificate = try Certificate(pemEncoded: String(contentsOf: root.appendingPathComponent("lfb-side/lfb.pem"), encoding: .utf8))
        #expect(ca.certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
        let privateKey = try Certificate.PrivateKey(pemEncoded: String(contentsOf: key, encoding: .utf8))
        #expect(privateKey.publicKey == certificate.publicKey)
        let set = try PolicySet.load(directory: root.appendingPathComponent("policies"))
        let presented = try PresentedCertificate(der: try certificate.derBytes)
        #expect(set.directory.match(presented) == .partner(try #require(set.directory.partners.first { $0.id == "lfb" })))

        // The council kept a copy; it expires within 30 days, so the listing marks it.
        let (_, listing, _) = try Self.casegate(["certs", "list"], in: root)
        #expect(listing.contains("partner certificate (lfb)") && listing.contains("EXPIRES SOON"))
        #expect(listing.contains("server:") && listing.contains("council partner CA:"))
    }

    @Test(
        "a malformed CSR, an altered one, one for another organisation, an unknown partner or one with its own CA are refused with the reason, and nothing is written"
    )
    func badRequests() throws {
        let (root, _) = try Self.deployment()
        defer { try? FileManager.default.removeItem(at: root) }
        try "-----BEGIN CERTIFICATE REQUEST-----\nnonsense\n-----END CERTIFICATE REQUEST-----\n"
            .write(to: root.appendingPathComponent("garbage.csr"), atomically: true, encoding: .utf8)
        let (_, wrongOrg) = try PartnerEnrolment.request(partner: "lfb", organisation: "Metropolitan Police Service")
        try wrongOrg.serializeAsPEM().pemString.write(to: root.appendingPathComponent("met.csr"), atomically: true, encoding: .utf8)
        // A CSR whose subject was changed after signing: its signature no longer verifies.
        let (_, original) = try PartnerEnrolment.request(partner: "lfb", organisation: "London Fire Brigade")
        let (otherKey, _) = try PartnerEnrolment.request(partner: "lfb", organisation: "London Fire Brigade")
        let altered = try CertificateSigningRequest(
            version: .v1,
            subject: original.subject,
            privateKey: .init(otherKey),
            attributes: .init(),
            signatureAlgorithm: .ecdsaWithSHA256
        )
        var serializer = DER.Serializer()
        try serializer.serialize(altered)
        var der = serializer.serializedBytes
        der[der.count - 5] ^= 0xFF
        try CertificateSigningRequest(derEncoded: der).serializeAsPEM().pemString
            .write(to: root.appendingPathComponent("altered.csr"), atomically: true, encoding: .utf8)
        try original.serializeAsPEM().pemString.write(to: root.appendingPathComponent("lfb.csr"), atomically: true, encoding: .utf8)

        let cases: [([String], String)] = [
            (["--csr", "garbage.csr", "--partner", "lfb"], "not a PEM certificate signing request"),
            (["--csr", "met.csr", "--partner", "lfb"], "the partner's policy names 'London Fire Brigade'"),
            (["--csr", "altered.csr", "--partner", "lfb"], "its signature does not verify"),
            (["--csr", "lfb.csr", "--partner", "nobody"], "no partner 'nobody'"),
            (["--csr", "lfb.csr", "--partner", "lfb", "--days", "900"], "--days must be from 1 to 825"),
        ]
        for (arguments, message) in cases {
            let (status, _, error) = try Self.casegate(["certs", "sign"] + arguments + ["--output", "out.pem"], in: root)
            #expect(status != 0 && error.contains(message), "\(arguments): \(error)")
            #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out.pem").path))
        }

        // A partner with its own CA gets its certificates from it.
        let partnerCA = try DevCertificateAuthority.create(commonName: "LFB Issuing CA")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("certs/partner-cas"), withIntermediateDirectories: true)
        try partnerCA.issued.certificatePEM.write(to: root.appendingPathComponent("certs/partner-cas/lfb.pem"), atomically: true, encoding: .utf8)
        let policy = root.appendingPathComponent("policies/partners/lfb.yaml")
        try String(contentsOf: policy, encoding: .utf8)
            .replacingOccurrences(of: "certificate:\n", with: "certificate:\n  ca: certs/partner-cas/lfb.pem\n")
            .write(to: policy, atomically: true, encoding: .utf8)
        let (status, _, error) = try Self.casegate(["certs", "sign", "--csr", "lfb.csr", "--partner", "lfb", "--output", "out.pem"], in: root)
        #expect(status != 0 && error.contains("lfb has its own CA (certs/partner-cas/lfb.pem)"), "\(error)")
    }

    @Test("the console lists certificates by expiry, the ones within 30 days highlighted; the inventory says which")
    func consolePage() async throws {
        let fixture = try await GatewayFixture()
        let files = DevCertificateFiles(directory: fixture.root.appendingPathComponent("certs"))
        let (_, csr) = try PartnerEnrolment.request(partner: "lfb", organisation: "London Fire Brigade")
        let soon = try fixture.ca.sign(csr, validUntil: Date().addingTimeInterval(10 * 86400))
        try files.record(soon, partner: "lfb", at: fixture.root.appendingPathComponent("lfb.pem"))
        let inventory = CertificateInventory(
            serverCertificate: fixture.configuration.tls.certificate,
            partnerCA: fixture.configuration.tls.partnerCA,
            policies: fixture.environment.policies.current.policySet
        )
        #expect(inventory.entries.map(\.role.rawValue) == ["partner certificate", "server", "council partner CA"])
        #expect(inventory.expiringSoon(at: Date()).map(\.partner) == ["lfb"])
        #expect(inventory.expiringSoon(at: Date().addingTimeInterval(800 * 86400)).count == 2)

        // The daily check logs each of them: role, partner, subject, date.
        let lines = LogLines()
        let watch = CertificateExpiryWatch(
            tls: fixture.configuration.tls,
            policies: fixture.environment.policies,
            logger: Logger(label: "expiry") { _ in lines }
        )
        watch.check(now: Date())
        #expect(lines.messages.withLock { $0 } == ["certificate expires within 30 days partner=lfb role=partner certificate"])

        let ig = try await fixture.environment.users.add(name: "Iggy", role: .igOfficer).token
        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.staffClient()) { client in
                var browser = ConsoleTests.Browser(client: client)
                _ = try await browser.signIn(ig)
                let (response, page) = try await browser.get("/console/certificates")
                #expect(response.status == .ok)
                #expect(page.contains("1 expire within 30 days") && page.contains("class=\"overdue\"") && page.contains("(renew)"))
                #expect(page.contains("O=London Fire Brigade") && page.contains("council partner CA"))
            }
        }
    }
}
