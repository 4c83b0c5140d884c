import DevPKI
import Foundation
import Gateway
import HummingbirdTesting
import NIOSSL
import SharingPolicy
import Testing

@Suite("Partner listener: mutual TLS")
struct PartnerListenerTests {
    struct WhoAmI: Decodable {
        var partner: String
        var name: String
        var certificate_fingerprint: String
    }

    @Test("a partner's certificate is accepted and mapped to the partner")
    func recognisesPartner() async throws {
        let fixture = try await GatewayFixture()
        try await fixture.withRunningGateway { gateway in
            // Three requests on one connection: the certificate is read once and every request is identified.
            try await using(try gateway.partnerClient(fixture.metPolice)) { client in
                for _ in 0..<3 {
                    let response = try await client.get("/v1/whoami")
                    #expect(response.status == .ok)
                    let body = try JSONDecoder().decode(WhoAmI.self, from: Data(buffer: try #require(response.body)))
                    #expect(body.partner == "met-police")
                    #expect(body.name == "Metropolitan Police Service")
                    #expect(body.certificate_fingerprint == (try fixture.metPolice.fingerprint))
                }
            }
        }
    }

    @Test(
        "a revoked certificate is refused with 403 once the policies reload, on an open connection too; the partner's other certificates still work"
    )
    func revokedCertificate() async throws {
        let fixture = try await GatewayFixture()
        let stolen = try fixture.ca.issueClient(commonName: "met-police-laptop", organisation: "Metropolitan Police Service")
        let file = fixture.policiesDirectory.appendingPathComponent(RevocationList.fileName)
        try RevocationList.appending(.init(fingerprint: try stolen.fingerprint, reason: "laptop stolen", revokedAt: "2026-11-20"), to: nil)
            .write(to: file, atomically: true, encoding: .utf8)
        try await fixture.withRunningGateway { gateway in
            // Before the reload the old set (nothing revoked) is in force. The connection stays open across the
            // reload: its next request is refused, though its certificate was read before.
            try await using(try gateway.partnerClient(stolen)) { client in
                #expect(try await client.get("/v1/whoami").status == .ok)
                _ = try GatewayFixture.reloadPartners(fixture)
                let after = try await client.get("/v1/whoami")
                #expect(after.status == .forbidden)
                #expect(String(buffer: try #require(after.body)).contains("revoked"))
            }
            for path in ["/v1/whoami", "/v1/ping", "/v1/views/cases", "/v1/ledger/checkpoint"] {
                let response = try await using(try gateway.partnerClient(stolen)) { try await $0.get(path) }
                #expect(response.status == .forbidden, "\(path)")
                #expect(String(buffer: try #require(response.body)).contains("revoked"))
            }
            let other = try await using(try gateway.partnerClient(fixture.metPolice)) { try await $0.get("/v1/whoami") }
            #expect(other.status == .ok)
        }
    }

    @Test("a partner over its rate gets 429 with Retry-After; other partners are not held back")
    func rateLimited() async throws {
        // A token every 20 s: the four requests would have to take that long for the fourth to pass (at a token
        // every 2 s they once did, on CI with every suite starting at once).
        let fixture = try await GatewayFixture(rateLimit: .init(requestsPerSecond: 0.05, burst: 3))
        let lfb = try fixture.ca.issueClient(commonName: "lfb", organisation: "London Fire Brigade")
        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.partnerClient(fixture.metPolice)) { client in
                for _ in 0..<3 { #expect(try await client.get("/v1/ping").status == .ok) }
                let refused = try await client.get("/v1/ping")
                #expect(refused.status == .tooManyRequests)
                // The next token is at most 20 s away (less if these requests were slow).
                let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
                #expect((1...20).contains(retryAfter))
                #expect(refused.headers[.contentType] == "application/problem+json")
                // Health checks are not partner work and are never limited.
                #expect(try await client.get("/healthz").status == .ok)
            }
            let other = try await using(try gateway.partnerClient(lfb)) { try await $0.get("/v1/ping") }
            #expect(other.status == .ok)
        }
    }

    @Test("the token bucket refills at the configured rate, up to the burst")
    func tokenBucket() {
        let limiter = PartnerRateLimiter(limit: .init(requestsPerSecond: 10, burst: 2))
        let t0 = ContinuousClock.now
        #expect(limiter.take(partner: "a", now: t0) == nil)
        #expect(limiter.take(partner: "a", now: t0) == nil)
        let wait = limiter.take(partner: "a", now: t0)
        #expect(wait != nil && wait! <= .milliseconds(100) && wait! > .zero)
        #expect(limiter.take(partner: "b", now: t0) == nil, "buckets are per partner")
        #expect(limiter.take(partner: "a", now: t0 + .milliseconds(100)) == nil, "one token back after 1/rate")
        #expect(limiter.take(partner: "a", now: t0 + .milliseconds(100)) != nil)
        #expect(limiter.take(partner: "a", now: t0 + .seconds(60)) == nil)
        #expect(limiter.take(partner: "a", now: t0 + .seconds(60)) == nil)
        #expect(limiter.take(partner: "a", now: t0 + .seconds(60)) != nil, "never more than the burst saved up")
    }

    @Test("a certificate matched by fingerprint maps to its partner")
    func fingerprintMatch() async throws {
        let fixture = try await GatewayFixture()
        // Issued under an organisation no policy names; the policy lists its fingerprint instead.
        let probation = try fixture.ca.issueClient(commonName: "probation-2", organisation: "HM Prison and Probation Service")
        let file = fixture.policiesDirectory.appendingPathComponent("partners/probation.yaml")
        let text = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(
            of: "  organisation: The Probation Service",
            with: "  fingerprints: [\"\(try probation.fingerprint.uppercased())\"]"
        )
        try text.write(to: file, atomically: true, encoding: .utf8)
        let reloaded = try GatewayFixture.reloadPartners(fixture)
        #expect(reloaded.contains("probation"))
        try await fixture.withRunningGateway { gateway in
            let response = try await using(try gateway.partnerClient(probation)) { try await $0.get("/v1/whoami") }
            #expect(response.status == .ok)
            #expect(String(buffer: try #require(response.body)).contains("\"partner\":\"probation\""))
        }
    }

    @Test("no certificate, another CA's certificate or an expired one never reach a handler")
    func refusesBadCertificates() async throws {
        let fixture = try await GatewayFixture()
        let foreignCA = try DevCertificateAuthority.create(commonName: "Some other CA")
        let foreign = try foreignCA.issueClient(commonName: "met-police", organisation: "Metropolitan Police Service")
        let (expired, notYetValid) = try fixture.metPoliceOutOfDate()
        try await fixture.withRunningGateway { gateway in
            for identity in [nil, foreign, expired, notYetValid] {
                await #expect(throws: (any Error).self) {
                    _ = try await using(try gateway.partnerClient(identity)) { try await $0.get("/v1/whoami") }
                }
            }
            // The listener still serves good clients afterwards.
            let response = try await using(try gateway.partnerClient(fixture.metPolice)) { try await $0.get("/v1/whoami") }
            #expect(response.status == .ok)
        }
    }

    @Test("a valid certificate that no partner claims gets 403 problem+json")
    func unknownPartner() async throws {
        let fixture = try await GatewayFixture()
        let stranger = try fixture.ca.issueClient(commonName: "acme", organisation: "Acme Investigations Ltd")
        try await fixture.withRunningGateway { gateway in
            let response = try await using(try gateway.partnerClient(stranger)) { try await $0.get("/v1/whoami") }
            #expect(response.status == .forbidden)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("TLS 1.1 and older are refused")
    func refusesOldTLS() async throws {
        let fixture = try await GatewayFixture()
        try await fixture.withRunningGateway { gateway in
            await #expect(throws: (any Error).self) {
                _ = try await using(try gateway.partnerClient(fixture.metPolice, maximumTLSVersion: .tlsv11)) { try await $0.get("/v1/whoami") }
            }
            await #expect(throws: (any Error).self) {
                _ = try await using(try gateway.staffClient(maximumTLSVersion: .tlsv11)) { try await $0.get("/healthz") }
            }
        }
    }

    @Test func healthEndpoints() async throws {
        let fixture = try await GatewayFixture()
        try await fixture.withRunningGateway { gateway in
            for path in ["/healthz", "/readyz"] {
                let response = try await using(try gateway.partnerClient(fixture.metPolice)) { try await $0.get(path) }
                #expect(response.status == .ok)
            }
        }
    }
}
