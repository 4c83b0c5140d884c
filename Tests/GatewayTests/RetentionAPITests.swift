import CaseModel
import Foundation
import HTTPTypes
import HummingbirdTesting
import Ledger
import NIOCore
import Storage
import Testing

@Suite("Retention over the staff API")
struct RetentionAPITests {
    func request(
        _ client: some GatewayClient,
        _ method: HTTPRequest.Method,
        _ uri: String,
        _ token: String,
        body: String? = nil
    ) async throws -> TestClient.Response {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(.init(uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }))
    }

    @Test("admins run sweeps and place and lift holds; other roles get 403")
    func sweepsAndHolds() async throws {
        let fixture = try await GatewayFixture()
        var old = ASBCase(
            incidentType: .harassment,
            channel: .phone,
            receivedAt: ISO8601DateFormatter().date(from: "2015-01-05T10:00:00Z")!,
            ward: "Perivale",
            location: "x",
            narrative: "y",
            parties: [Party(role: .complainant, name: "Old Case")]
        )
        try old.record(CaseEvent(kind: .caseClosed, at: ISO8601DateFormatter().date(from: "2015-06-01T10:00:00Z")!, author: "u"))
        let expired = try await fixture.environment.cases.create(old)
        let admin = try await fixture.environment.users.add(name: "Addy", role: .admin).token
        let ig = try await fixture.environment.users.add(name: "Iggy", role: .igOfficer).token
        try await fixture.withRouters { gateway in
            try await gateway.staff { client in
                #expect(try await request(client, .post, "/v1/retention/sweeps", ig, body: #"{"dry_run": true}"#).status == .forbidden)
                #expect(try await request(client, .post, "/v1/cases/\(expired.id)/hold", ig, body: #"{"reason": "x"}"#).status == .forbidden)
                #expect(try await request(client, .post, "/v1/retention/sweeps", admin, body: #"{"dry_run": "yes"}"#).status == .badRequest)

                // Hold, then a real sweep leaves the case.
                let hold = try await request(client, .post, "/v1/cases/\(expired.id)/hold", admin, body: #"{"reason": "Claim 2026/12"}"#)
                #expect(hold.status == .created)
                #expect(try await request(client, .post, "/v1/cases/\(UUID())/hold", admin, body: #"{"reason": "x"}"#).status == .notFound)
                let held = try await runSweep(client, admin, dryRun: false)
                #expect(held.contains("\"held\":1") && held.contains("\"purged\":0"))
                #expect(try await fixture.environment.cases.get(expired.id) != nil)

                // Lift it: a dry run lists it, a real sweep purges it.
                #expect(try await request(client, .delete, "/v1/cases/\(expired.id)/hold", admin).status == .ok)
                #expect(try await request(client, .delete, "/v1/cases/\(expired.id)/hold", admin).status == .notFound)
                let dry = try await runSweep(client, admin, dryRun: true)
                #expect(dry.contains(expired.id.uuidString) && dry.contains("\"purged\":1"))
                #expect(try await fixture.environment.cases.get(expired.id) != nil)
                // Purged as reviewed: that dry run's cases, once.
                let dryID = try #require(dry.split(separator: "\"").first { $0.hasPrefix("sw-") })
                #expect(
                    try await request(client, .post, "/v1/retention/sweeps", admin, body: #"{"dry_run": true, "review_of": "\#(dryID)"}"#).status
                        == .unprocessableContent
                )
                #expect(
                    try await request(client, .post, "/v1/retention/sweeps", admin, body: #"{"dry_run": false, "review_of": "sw-none"}"#).status
                        == .unprocessableContent
                )
                let reviewed = try await runSweep(client, admin, body: #"{"dry_run": false, "review_of": "\#(dryID)"}"#)
                #expect(reviewed.contains("\"review_of\":\"\(dryID)\"") && reviewed.contains("\"purged\":1"))
                #expect(try await fixture.environment.cases.get(expired.id) == nil)
                let twice = try await request(client, .post, "/v1/retention/sweeps", admin, body: #"{"dry_run": false, "review_of": "\#(dryID)"}"#)
                #expect(twice.status == .conflict)

                let list = String(buffer: try #require(try await request(client, .get, "/v1/retention/sweeps", admin).body))
                #expect(list.components(separatedBy: "\"id\":\"sw-").count - 1 == 3)
                #expect(try await request(client, .get, "/v1/retention/sweeps/sw-none", admin).status == .notFound)
            }
        }
        let history = try await fixture.environment.ledger.store.query(LedgerQuery(caseIDs: [expired.id.uuidString], limit: 50))
        let actions = try history.map { try $0.decoded().action }
        #expect(actions.contains(.legalHoldPlaced) && actions.contains(.legalHoldLifted) && actions.contains(.erasure))
    }

    /// Starts a sweep and polls it to the end; returns the finished sweep's JSON.
    func runSweep(_ client: some GatewayClient, _ token: String, dryRun: Bool = false, body: String? = nil) async throws -> String {
        let started = try await request(client, .post, "/v1/retention/sweeps", token, body: body ?? "{\"dry_run\": \(dryRun)}")
        #expect(started.status == .accepted)
        let location = try #require(started.headers[.location])
        for _ in 0..<200 {
            let body = String(buffer: try #require(try await request(client, .get, location, token).body))
            if !body.contains("\"state\":\"running\"") { return body }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the sweep did not finish")
        return ""
    }
}
