import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import NIOCore
import SwiftASN1
import Testing
import X509

@testable import Gateway

/// A partner request is served under one policy set: the one in force when its certificate was resolved.
/// Driven through the router (no TLS: the certificate is injected), with a reload made in the middle of the request.
@Suite("One policy snapshot per request")
struct PolicySnapshotTests {
    /// Rewrites met-police's policy file and reloads, once, between two of the request's steps.
    struct ReloadInTheMiddle: RouterMiddleware {
        typealias Context = PartnerRequestContext
        let policies: PolicyStore
        let file: URL

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            var text = try String(contentsOf: file, encoding: .utf8)
            // The agreement lapses and the narrative stops being shared.
            text = text.replacingOccurrences(of: "review_date: 2027-06-30", with: "review_date: 2020-01-31")
            text = text.replacingOccurrences(of: "narrative: scrub", with: "narrative: omit")
            try text.write(to: file, atomically: true, encoding: .utf8)
            try policies.reload()
            return try await next(request, context)
        }
    }

    @Test(
        "a reload between identity and the agreement check, or between the check and the view, does not change the set the request is served under; the next request gets the new one"
    )
    func reloadMidRequest() async throws {
        for reloadAfterAgreement in [false, true] {
            let (fixture, fixtures) = try await PartnerViewTests.fixtureGateway()
            let environment = fixture.environment
            let admitted = try #require(fixtures.first { ($0.expected["met-police"]?.first?.value ?? .null) != .null })
            let purpose = try #require(admitted.expected["met-police"]?.first?.key)
            let before = environment.policies.current.version
            var der = DER.Serializer()
            try der.serialize(fixture.metPolice.certificate)

            let router = Router(context: PartnerRequestContext.self)
            router.add(middleware: ProblemMiddleware())
            var views = router.group("v1/views/cases")
                .add(middleware: PartnerIdentityMiddleware(policies: environment.policies, peerCertificate: .fixed(der.serializedBytes)))
            let reload = ReloadInTheMiddle(
                policies: environment.policies,
                file: fixture.policiesDirectory.appendingPathComponent("partners/met-police.yaml")
            )
            let agreement = AgreementInForceMiddleware(now: environment.now)
            views =
                reloadAfterAgreement
                ? views.add(middleware: agreement).add(middleware: reload) : views.add(middleware: reload).add(middleware: agreement)
            ViewController(store: environment.cases, audit: environment.audit, views: environment.views, now: environment.now).addRoutes(to: views)

            try await Application(router: router).test(.router) { client in
                let path = "/v1/views/cases/\(admitted.case.id.uuidString)?purpose=\(purpose)"
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "served under the set in force when it arrived")
                let body = String(buffer: response.body)
                #expect(body.contains("\"policy_version\":\"\(before)\""))
                #expect(body.contains("\"narrative\":"), "built under the old rules")
                #expect(environment.policies.current.version != before, "the reload took effect")
                let index = try #require(response.headers[.casegateLedgerIndex].flatMap { Int($0) })
                let entry = try #require(try await environment.ledger.store.entries(from: index, limit: 1).first).decoded()
                #expect(entry.policyVersion == before, "the ledger records the set the view was built under")

                // The next request is identified under the new set: its agreement has lapsed.
                let next = try await client.execute(uri: path, method: .get)
                #expect(next.status == .forbidden)
            }
        }
    }
}
