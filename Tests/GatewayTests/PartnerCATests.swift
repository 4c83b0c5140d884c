import ByteEncoding
import DevPKI
import Foundation
import HummingbirdTesting
import Logging
import NIOSSL
import SharingPolicy
import Testing
import X509

@testable import Gateway

/// Partners with their own PKI: a policy names the partner's CA, the partner listener trusts it from the
/// next connection after a reload, and a certificate maps to a partner only through the CA registered for it.
@Suite("Partner CAs")
struct PartnerCATests {
    /// LFB's policy names `certs/partner-cas/lfb.pem` (beside `policies/`), which holds `ca`.
    static func registerLFB(_ ca: DevCertificateAuthority, in fixture: GatewayFixture) throws {
        let directory = fixture.root.appendingPathComponent("certs/partner-cas")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try ca.issued.certificatePEM.write(to: directory.appendingPathComponent("lfb.pem"), atomically: true, encoding: .utf8)
        let file = fixture.policiesDirectory.appendingPathComponent("partners/lfb.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(
            of: "certificate:\n  organisation: London Fire Brigade\n",
            with: "certificate:\n  ca: certs/partner-cas/lfb.pem\n  organisation: London Fire Brigade\n"
        ).write(to: file, atomically: true, encoding: .utf8)
    }

    @Test(
        "over real sockets: LFB's own CA trusted after a reload; its certificate for LFB maps, for the Met is 403; a council-issued LFB certificate is 403; revoked by issuer and serial"
    )
    func ownCA() async throws {
        let fixture = try await GatewayFixture()
        let lfbCA = try DevCertificateAuthority.create(commonName: "LFB Issuing CA")
        let lfb = try lfbCA.issueClient(commonName: "lfb-gateway", organisation: "London Fire Brigade")
        let posingAsMet = try lfbCA.issueClient(commonName: "met-police", organisation: "Metropolitan Police Service")
        let councilIssuedLFB = try fixture.ca.issueClient(commonName: "lfb", organisation: "London Fire Brigade")
        try await fixture.withRunningGateway { gateway in
            // Before LFB's CA is registered its certificates fail the handshake.
            await #expect(throws: (any Error).self) {
                _ = try await using(try gateway.partnerClient(lfb)) { try await $0.get("/v1/whoami") }
            }
            #expect(try await using(try gateway.partnerClient(councilIssuedLFB)) { try await $0.get("/v1/whoami") }.status == .ok)

            try Self.registerLFB(lfbCA, in: fixture)
            _ = try GatewayFixture.reloadPartners(fixture)
            let whoami = try await using(try gateway.partnerClient(lfb)) { try await $0.get("/v1/whoami") }
            let who = String(buffer: try #require(whoami.body))
            #expect(whoami.status == .ok && who.contains("\"partner\":\"lfb\""))

            // Certificates LFB's own CA issued are known to the council only once presented: listed for expiry.
            let seen = fixture.environment.policies.presentedCertificates.filter { $0.partner == "lfb" }
            #expect(seen.contains { $0.subject.contains("London Fire Brigade") && $0.notValidAfter == lfb.certificate.notValidAfter })

            let wrong = try await using(try gateway.partnerClient(posingAsMet)) { try await $0.get("/v1/whoami") }
            #expect(wrong.status == .forbidden)
            #expect(String(buffer: try #require(wrong.body)).contains("not issued by the certificate authority registered for 'met-police'"))
            let council = try await using(try gateway.partnerClient(councilIssuedLFB)) { try await $0.get("/v1/whoami") }
            #expect(council.status == .forbidden)
            // The Met, without a CA of its own, still works with the council's.
            #expect(try await using(try gateway.partnerClient(fixture.metPolice)) { try await $0.get("/v1/whoami") }.status == .ok)

            // Revoked by issuer and serial, as a partner's CRL would name it.
            let revocation = RevocationList.Revocation(
                issuer: lfb.certificate.issuer.description,
                serial: lfb.certificate.serialNumber.bytes.hexString,
                reason: "key compromise, LFB ref 2026/9",
                revokedAt: "2026-12-01"
            )
            try RevocationList.appending(revocation, to: nil)
                .write(to: fixture.policiesDirectory.appendingPathComponent(RevocationList.fileName), atomically: true, encoding: .utf8)
            _ = try GatewayFixture.reloadPartners(fixture)
            let revoked = try await using(try gateway.partnerClient(lfb)) { try await $0.get("/v1/whoami") }
            let revokedText = String(buffer: try #require(revoked.body))
            #expect(revoked.status == .forbidden && revokedText.contains("revoked"))
        }
    }

    @Test("handshake refusals name their reason: unknown CA, expired, not yet valid; a registered partner CA verifies")
    func refusalReasons() async throws {
        let fixture = try await GatewayFixture()
        let verifier = try PartnerHandshakeVerifier(
            councilCAFile: fixture.configuration.tls.partnerCA,
            policies: fixture.environment.policies,
            logger: Logger(label: "test")
        )
        func chain(_ issued: IssuedCertificate) throws -> [NIOSSLCertificate] {
            [try NIOSSLCertificate(bytes: try issued.certificate.derBytes, format: .der)]
        }
        let lfbCA = try DevCertificateAuthority.create(commonName: "LFB Issuing CA")
        let lfb = try lfbCA.issueClient(commonName: "lfb-gateway", organisation: "London Fire Brigade")
        let (expired, early) = try fixture.metPoliceOutOfDate()
        #expect(await verifier.verdict(try chain(fixture.metPolice)) == nil)
        #expect(await verifier.verdict(try chain(lfb)) == .unknownCA)
        #expect(await verifier.verdict(try chain(expired)) == .expired)
        #expect(await verifier.verdict(try chain(early)) == .notYetValid)
        #expect(await verifier.verdict([]) == .noCertificate)
        try Self.registerLFB(lfbCA, in: fixture)
        _ = try GatewayFixture.reloadPartners(fixture)
        #expect(await verifier.verdict(try chain(lfb)) == nil)
        #expect(await verifier.verdict(try chain(lfb)) == nil, "accepted again, from the recent acceptances")

        // A reload that drops LFB's CA: the chain accepted a moment ago is checked afresh, and refused.
        let file = fixture.policiesDirectory.appendingPathComponent("partners/lfb.yaml")
        try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "  ca: certs/partner-cas/lfb.pem\n", with: "")
            .write(to: file, atomically: true, encoding: .utf8)
        _ = try GatewayFixture.reloadPartners(fixture)
        #expect(await verifier.verdict(try chain(lfb)) == .unknownCA)
    }

    @Test("a CA file that is missing, not PEM, not a CA or expired is refused at its line, and a reload keeps the set in force")
    func badCAFiles() async throws {
        let fixture = try await GatewayFixture()
        let directory = fixture.root.appendingPathComponent("certs/partner-cas")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let leaf = try fixture.ca.issueClient(commonName: "x", organisation: "London Fire Brigade")
        let expiredCA = try DevCertificateAuthority.create(
            validFrom: Date().addingTimeInterval(-20 * 86400),
            validUntil: Date().addingTimeInterval(-86400)
        )
        try "not a certificate".write(to: directory.appendingPathComponent("garbage.pem"), atomically: true, encoding: .utf8)
        try leaf.certificatePEM.write(to: directory.appendingPathComponent("leaf.pem"), atomically: true, encoding: .utf8)
        try expiredCA.issued.certificatePEM.write(to: directory.appendingPathComponent("expired.pem"), atomically: true, encoding: .utf8)
        let file = fixture.policiesDirectory.appendingPathComponent("partners/lfb.yaml")
        let original = try String(contentsOf: file, encoding: .utf8)
        let before = fixture.environment.policies.current.version
        let cases = [
            ("missing.pem", "cannot read certs/partner-cas/missing.pem"),
            ("garbage.pem", "certs/partner-cas/garbage.pem is not a PEM certificate"),
            ("leaf.pem", "certs/partner-cas/leaf.pem is not a CA certificate"),
            ("expired.pem", "certs/partner-cas/expired.pem expired on"),
        ]
        for (name, message) in cases {
            try original.replacingOccurrences(
                of: "certificate:\n  organisation: London Fire Brigade\n",
                with: "certificate:\n  ca: certs/partner-cas/\(name)\n  organisation: London Fire Brigade\n"
            ).write(to: file, atomically: true, encoding: .utf8)
            do {
                try fixture.environment.policies.reload()
                Issue.record("\(name) was accepted")
            } catch {
                let diagnostics = error.diagnostics.map(\.description)
                #expect(diagnostics.contains { $0.contains("partners/lfb.yaml:5:") && $0.contains(message) }, "\(diagnostics)")
            }
            #expect(fixture.environment.policies.current.version == before)
        }
    }
}
