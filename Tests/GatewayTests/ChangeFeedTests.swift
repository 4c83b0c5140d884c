import CaseModel
import Foundation
import HTTPTypes
import HummingbirdTesting
import Ledger
import NIOCore
import Testing

@testable import Gateway

/// Recipients stay in step: each change to a case a partner received or may see becomes a `notification`
/// entry for that partner, in the change's own transaction; the partner's change feed lists them, and it
/// acknowledges them. Partners learn nothing of cases they were never shown and may not see.
@Suite("Change feed and notices")
struct ChangeFeedTests {
    let api = StaffAPITests()
    let amendments = CaseAmendmentTests()

    /// A caseworker's merge patch of the case.
    func patch(_ gateway: RoutedGateway, _ token: String, _ id: String, _ body: String, ifMatch: String) async throws -> HTTPResponse.Status {
        let request = TestClient.Request(
            "/v1/cases/\(id)",
            method: .patch,
            headers: [.authorization: "Bearer \(token)", .contentType: "application/merge-patch+json", .ifMatch: ifMatch],
            body: ByteBuffer(string: body)
        )
        return try await gateway.staff { client in try await client.execute(request) }.status
    }

    struct Item: Codable, Sendable {
        var notice: Int
        var kind: String
        var caseId: String
        var time: String
    }

    struct Page: Codable, Sendable {
        var items: [Item]
        var nextCursor: String
    }

    func feed(_ client: RouterClient, _ query: String) async throws -> Page {
        let response = try await client.execute(.init("/v1/views/changes?\(query)", method: .get))
        #expect(response.status == .ok, "\(String(buffer: response.body ?? ByteBuffer()))")
        let body = Data(buffer: try #require(response.body))
        let keys = try #require(JSONSerialization.jsonObject(with: body) as? [String: Any])["items"] as? [[String: Any]]
        #expect(keys?.allSatisfy { $0.keys.sorted() == ["case_id", "kind", "notice", "time"] } == true, "no case data in a feed item")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Page.self, from: body)
    }

    @Test(
        "a narrative amended: `updated` for the partner that received it; acknowledged once; a partner never shown the case hears nothing; a tag removed: `withdrawn`"
    )
    func noticesAndAcknowledgements() async throws {
        let fixture = try await GatewayFixture()
        let token = try await api.makeTokens(fixture).caseworker
        let housing = try fixture.ca.issueClient(commonName: "ealing-homes", organisation: "Ealing Homes Housing Association")
        let fire = try fixture.ca.issueClient(commonName: "lfb", organisation: "London Fire Brigade")
        try await fixture.withRouters { gateway in
            let body = StaffAPITests.newCase.replacingOccurrences(
                of: #""channel": "phone","#,
                with: #""channel": "phone", "tags": ["tenant:ealing-homes"],"#
            )
            let (id, etag) = try await gateway.staff { client in try await amendments.newCase(client, token, body: body) }
            // The housing association starts its feed now, then pulls the case (a disclosure).
            let start = try await gateway.partner(housing) { client in try await feed(client, "purpose=tenancy-enforcement&cursor=now") }
            #expect(start.items.isEmpty)
            let cursor = start.nextCursor
            #expect(try await gateway.partner(housing) { client in try await client.get("/v1/views/cases/\(id)") }.status == .ok)

            let amended = try await patch(gateway, token, id, #"{"narrative": "Corrected: the abuse was on Tuesday evenings."}"#, ifMatch: etag)
            #expect(amended == .ok)
            let page = try await gateway.partner(housing) { client in try await feed(client, "purpose=tenancy-enforcement&cursor=\(cursor)") }
            let notice = try #require(page.items.first)
            #expect(page.items.count == 1 && notice.kind == "updated" && notice.caseId.uppercased() == id.uppercased())
            let index = notice.notice
            let entry = try #require(try await fixture.environment.storage.ledger.entries(from: index, limit: 1).first).decoded()
            #expect(entry.action == .notification && entry.recipient == "ealing-homes" && entry.purpose == "tenancy-enforcement")
            #expect(entry.details == ["kind": "updated"])

            // The fire brigade never received the case and may not see it: nothing.
            #expect(try await gateway.partner(fire) { client in try await feed(client, "purpose=fire-risk-reduction") }.items.isEmpty)

            // Acknowledged: a ledger entry; the same again changes nothing; another partner cannot.
            let acknowledged = try await gateway.partner(housing) { client in
                try await client.post("/v1/notices/\(index)/acknowledgement", body: ByteBuffer())
            }
            #expect(acknowledged.status == .created)
            let again = try await gateway.partner(housing) { client in
                try await client.post("/v1/notices/\(index)/acknowledgement", body: ByteBuffer())
            }
            let (firstBody, againBody) = (String(buffer: try #require(acknowledged.body)), String(buffer: try #require(again.body)))
            #expect(again.status == .ok && againBody == firstBody)
            #expect(
                try await gateway.partner(fire) { client in try await client.post("/v1/notices/\(index)/acknowledgement", body: ByteBuffer()) }.status
                    == .notFound
            )
            #expect(
                try await gateway.partner(housing) { client in try await client.post("/v1/notices/999999/acknowledgement", body: ByteBuffer()) }
                    .status == .notFound
            )

            // The tenancy tag removed: the case is withdrawn from the housing association.
            let removed = try await patch(gateway, token, id, #"{"tags": null}"#, ifMatch: "\"2\"")
            #expect(removed == .ok)
            let withdrawn = try await gateway.partner(housing) { client in
                try await feed(client, "purpose=tenancy-enforcement&cursor=\(page.nextCursor)")
            }
            #expect(withdrawn.items.map(\.kind) == ["withdrawn"])
            #expect(try await gateway.partner(housing) { client in try await client.get("/v1/views/cases/\(id)") }.status == .notFound)

            // The IG console's list: the withdrawal is outstanding (overdue three weeks on), the acknowledged notice is not.
            let later = NoticePages(
                ledger: fixture.environment.ledger,
                calendar: fixture.environment.clock.calendar,
                overdueAfter: 10,
                now: { Date().addingTimeInterval(21 * 86_400) }
            )
            let outstanding = try await later.outstanding().filter { $0.partner == "ealing-homes" }
            #expect(outstanding.map(\.kind) == ["withdrawn"] && outstanding.allSatisfy { $0.workingDays > 10 })
            #expect(!outstanding.contains { $0.index == index })
        }
    }

    @Test("a retention purge: `erased` for the partner that received the case, in the sweep's append; nothing for others")
    func erasedByRetention() async throws {
        let fixture = try await GatewayFixture()
        let format = ISO8601DateFormatter()
        var old = CaseModel.ASBCase(
            incidentType: .harassment,
            channel: .phone,
            receivedAt: format.date(from: "2015-01-05T10:00:00Z")!,
            ward: "Perivale",
            location: "x",
            narrative: "y",
            parties: [CaseModel.Party(role: .complainant, name: "Old Case")]
        )
        try old.record(CaseModel.CaseEvent(kind: .caseClosed, at: format.date(from: "2015-06-01T10:00:00Z")!, author: "u"))
        let expired = try await fixture.environment.cases.create(old)
        let admin = try await fixture.environment.users.add(name: "Addy", role: .admin).token
        let fire = try fixture.ca.issueClient(commonName: "lfb", organisation: "London Fire Brigade")
        try await fixture.withRouters { gateway in
            let police = fixture.metPolice
            #expect(try await gateway.partner(police) { client in try await client.get("/v1/views/cases/\(expired.id.uuidString)") }.status == .ok)
            let sweep = try await gateway.staff { client in try await RetentionAPITests().runSweep(client, admin, dryRun: false) }
            #expect(sweep.contains("\"state\":\"completed\""))
            let page = try await gateway.partner(police) { client in try await feed(client, "purpose=asb-case-coordination") }
            let erased = page.items.filter { $0.caseId.uppercased() == expired.id.uuidString }
            #expect(erased.map(\.kind) == ["erased"])
            #expect(try await gateway.partner(fire) { client in try await feed(client, "purpose=fire-risk-reduction") }.items.isEmpty)
        }
    }

    @Test(
        "a restriction withholds the case from every partner (404, `withdrawn`); lifted, the partner may see it again (`updated`); caseworkers cannot record either"
    )
    func restriction() async throws {
        let fixture = try await GatewayFixture()
        let tokens = try await api.makeTokens(fixture)
        let police = fixture.metPolice
        try await fixture.withRouters { gateway in
            let (id, _) = try await gateway.staff { client in try await amendments.newCase(client, tokens.caseworker) }
            #expect(try await gateway.partner(police) { client in try await client.get("/v1/views/cases/\(id)") }.status == .ok)
            let start = try await gateway.partner(police) { client in try await feed(client, "purpose=asb-case-coordination&cursor=now") }

            func send(_ method: HTTPRequest.Method, _ path: String, _ token: String, _ body: String) async throws -> HTTPResponse.Status {
                let request = TestClient.Request(
                    path,
                    method: method,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                    body: ByteBuffer(string: body)
                )
                return try await gateway.staff { client in try await client.execute(request) }.status
            }
            let reason = #"{"reason": "Art 18 request DSR-2026-014: accuracy contested"}"#
            #expect(try await send(.post, "/v1/cases/\(id)/restriction", tokens.caseworker, reason) == .forbidden)
            #expect(
                try await send(.post, "/v1/cases/\(id)/events", tokens.caseworker, #"{"kind": "processing-restricted", "note": "x"}"#)
                    == .unprocessableContent
            )
            #expect(try await send(.post, "/v1/cases/\(id)/restriction", tokens.igOfficer, #"{"reason": " "}"#) == .badRequest)
            #expect(try await send(.post, "/v1/cases/\(id)/restriction", tokens.igOfficer, reason) == .created)
            #expect(try await send(.post, "/v1/cases/\(id)/restriction", tokens.igOfficer, reason) == .unprocessableContent, "restricted already")

            #expect(try await gateway.partner(police) { client in try await client.get("/v1/views/cases/\(id)") }.status == .notFound)
            let withdrawn = try await gateway.partner(police) { client in
                try await feed(client, "purpose=asb-case-coordination&cursor=\(start.nextCursor)")
            }
            #expect(withdrawn.items.map(\.kind) == ["withdrawn"])

            #expect(try await send(.delete, "/v1/cases/\(id)/restriction", tokens.igOfficer, #"{"reason": "Accuracy confirmed"}"#) == .ok)
            #expect(try await gateway.partner(police) { client in try await client.get("/v1/views/cases/\(id)") }.status == .ok)
            let lifted = try await gateway.partner(police) { client in
                try await feed(client, "purpose=asb-case-coordination&cursor=\(withdrawn.nextCursor)")
            }
            #expect(lifted.items.map(\.kind) == ["updated"])

            // One person within the case: the case stays shared without them (`updated`); an unknown person is 404.
            let c = try #require(try await fixture.environment.cases.get(UUID(uuidString: id)!))
            let witness = try #require(c.parties.first { $0.role != .complainant })
            let onPerson = #"{"reason": "Art 18 request DSR-2026-015", "person_id": "\#(witness.id.uuidString)"}"#
            let unknown = #"{"reason": "Art 18", "person_id": "\#(UUID().uuidString)"}"#
            #expect(try await send(.post, "/v1/cases/\(id)/restriction", tokens.igOfficer, unknown) == .notFound)
            #expect(try await send(.post, "/v1/cases/\(id)/restriction", tokens.igOfficer, #"{"reason": "x", "person_id": "7"}"#) == .badRequest)
            #expect(try await send(.post, "/v1/cases/\(id)/restriction", tokens.igOfficer, onPerson) == .created)
            let view = try await gateway.partner(police) { client in try await client.get("/v1/views/cases/\(id)") }
            let viewText = String(buffer: try #require(view.body))
            #expect(view.status == .ok && !viewText.contains("\"role\":\"\(witness.role.rawValue)\""))
            let personNotice = try await gateway.partner(police) { client in
                try await feed(client, "purpose=asb-case-coordination&cursor=\(lifted.nextCursor)")
            }
            #expect(personNotice.items.map(\.kind) == ["updated"])
            #expect(try await send(.delete, "/v1/cases/\(id)/restriction", tokens.igOfficer, onPerson) == .ok)
            #expect(try await send(.delete, "/v1/cases/\(id)/restriction", tokens.igOfficer, onPerson) == .unprocessableContent)
        }
    }

    @Test("a bad cursor or limit is a 400 problem")
    func badInput() async throws {
        let fixture = try await GatewayFixture()
        let housing = try fixture.ca.issueClient(commonName: "ealing-homes", organisation: "Ealing Homes Housing Association")
        try await fixture.withRouters { gateway in
            let statuses = try await gateway.partner(housing) { client -> [HTTPResponse.Status] in
                var statuses: [HTTPResponse.Status] = []
                for query in ["purpose=tenancy-enforcement&cursor=bogus", "purpose=tenancy-enforcement&limit=0", "purpose=nope"] {
                    statuses.append(try await client.get("/v1/views/changes?\(query)").status)
                }
                return statuses
            }
            #expect(statuses == [.badRequest, .badRequest, .badRequest])
        }
    }
}
