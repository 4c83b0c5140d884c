import Foundation
import Gateway
import HTTPTypes
import HummingbirdTesting
import Ledger
import NIOCore
import Storage
import Testing

/// Caseworkers keep cases true over time: merge-patch amendments and parties under `If-Match`, each with its
/// ledger `alteration` entry naming field paths only; reopening; back-dated events with their recording time.
@Suite("Case amendments through the router")
struct CaseAmendmentTests {
    let api = StaffAPITests()

    /// Sends with the caseworker's token, a body of `contentType`, and `If-Match` when given.
    func send(
        _ client: some GatewayClient,
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String,
        body: String? = nil,
        contentType: String = "application/merge-patch+json",
        ifMatch: String? = nil
    ) async throws -> TestClient.Response {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if body != nil { headers[.contentType] = contentType }
        if let ifMatch { headers[.ifMatch] = ifMatch }
        return try await client.execute(.init(uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }))
    }

    func problem(_ response: TestClient.Response) -> String {
        response.body.map { String(buffer: $0) } ?? ""
    }

    /// A new case through the API: its id and ETag.
    func newCase(_ client: some GatewayClient, _ token: String, body: String = StaffAPITests.newCase) async throws -> (String, String) {
        let created = try await send(client, .post, "/v1/cases", token: token, body: body, contentType: "application/json")
        #expect(created.status == .created)
        let object = try api.json(created)
        let id = try #require((object["case"] as? [String: Any])?["id"] as? String)
        return (id, try #require(created.headers[.eTag]))
    }

    /// The latest entry that is not a notice to a recipient (the ones a change causes come after it).
    func lastEntry(_ fixture: GatewayFixture) async throws -> LedgerEntry {
        let size = fixture.environment.ledger.size
        let entries = try await fixture.environment.storage.ledger.entries(from: max(0, size - 20), limit: 20).map { try $0.decoded() }
        return try #require(entries.last { $0.action != .notification })
    }

    @Test("PATCH needs If-Match (428), refuses a stale one (412) and writes nothing; a current one amends, with an entry naming only the paths")
    func patchWithPreconditions() async throws {
        let fixture = try await GatewayFixture()
        let token = try await api.makeTokens(fixture).caseworker
        try await fixture.withRouters { gateway in
            try await gateway.staff { client in
                let (id, etag) = try await newCase(client, token)
                #expect(etag == "\"1\"")
                let patch = #"{"narrative": "Abuse shouted through the letterbox most nights.", "tags": ["tenant:ealing-homes"]}"#
                let missing = try await send(client, .patch, "/v1/cases/\(id)", token: token, body: patch)
                #expect(missing.status == .preconditionRequired && missing.headers[.contentType] == "application/problem+json")
                let stale = try await send(client, .patch, "/v1/cases/\(id)", token: token, body: patch, ifMatch: "\"7\"")
                #expect(stale.status == .preconditionFailed && stale.headers[.eTag] == "\"1\"")
                let sizeBefore = fixture.environment.ledger.size

                let amended = try await send(client, .patch, "/v1/cases/\(id)", token: token, body: patch, ifMatch: etag)
                #expect(amended.status == .ok && amended.headers[.eTag] == "\"2\"")
                let c = try #require(try api.json(amended)["case"] as? [String: Any])
                #expect(c["narrative"] as? String == "Abuse shouted through the letterbox most nights.")
                #expect(c["tags"] as? [String] == ["tenant:ealing-homes"])
                let written = try await fixture.environment.storage.ledger.entries(from: sizeBefore, limit: 100).map { try $0.decoded() }
                #expect(
                    written.first?.action == .alteration && written.dropFirst().allSatisfy { $0.action == .notification },
                    "one alteration, then its notices; none for the refused attempts"
                )
                let entry = try await lastEntry(fixture)
                #expect(entry.action == .alteration && entry.caseIDs == [id.uppercased()])
                #expect(entry.details == ["fields": "/narrative,/tags"])
                // The same patch again changes nothing: no new version, no alteration entry.
                let again = try await send(client, .patch, "/v1/cases/\(id)", token: token, body: patch, ifMatch: "\"2\"")
                #expect(again.status == .ok && again.headers[.eTag] == "\"2\"")
                #expect(try await lastEntry(fixture).action == .consultation)
                // Two caseworkers with the same read: the second is refused.
                let first = try await send(client, .patch, "/v1/cases/\(id)", token: token, body: #"{"risk_flag": true}"#, ifMatch: "\"2\"")
                let second = try await send(client, .patch, "/v1/cases/\(id)", token: token, body: #"{"risk_flag": false}"#, ifMatch: "\"2\"")
                #expect(first.status == .ok && second.status == .preconditionFailed)
            }
        }
    }

    @Test("bad patches: each a precise problem naming the field, and nothing written")
    func badPatches() async throws {
        let fixture = try await GatewayFixture()
        let token = try await api.makeTokens(fixture).caseworker
        try await fixture.withRouters { gateway in
            try await gateway.staff { client in
                let (id, etag) = try await newCase(client, token)
                let cases: [(String, String, HTTPResponse.Status, String)] = [
                    (#"{"narative": "x"}"#, "application/merge-patch+json", .badRequest, "unknown field 'narative'; did you mean 'narrative'?"),
                    (#"{"status": "closed"}"#, "application/merge-patch+json", .unprocessableContent, "'status' cannot be patched"),
                    (
                        #"{"received_at": "2020-01-01T00:00:00Z"}"#, "application/merge-patch+json", .unprocessableContent,
                        "'received_at' cannot be patched"
                    ),
                    (#"{"risk_flag": "yes"}"#, "application/merge-patch+json", .badRequest, "'risk_flag' must be true or false"),
                    (#"{"ward": "Hanwel Broadway"}"#, "application/merge-patch+json", .badRequest, "did you mean 'Hanwell Broadway'?"),
                    (#"{"ward": null}"#, "application/merge-patch+json", .badRequest, "'ward' cannot be removed"),
                    (#"{"tags": ["Not A Tag"]}"#, "application/merge-patch+json", .badRequest, "'tags' must be lower-case words"),
                    (#"["narrative"]"#, "application/merge-patch+json", .badRequest, "must be a well-formed JSON object"),
                    (#"{"narrative": "x"}"#, "application/json", .unsupportedMediaType, "application/merge-patch+json"),
                ]
                for (body, type, status, message) in cases {
                    let response = try await send(client, .patch, "/v1/cases/\(id)", token: token, body: body, contentType: type, ifMatch: etag)
                    #expect(response.status == status, "\(body)")
                    #expect(problem(response).contains(message), "\(body): \(problem(response))")
                }
                let unchanged = try await send(client, .get, "/v1/cases/\(id)", token: token)
                #expect(unchanged.headers[.eTag] == etag, "nothing was written")
                let noCase = try await send(client, .patch, "/v1/cases/\(UUID())", token: token, body: #"{"narrative": "x"}"#, ifMatch: "\"1\"")
                #expect(noCase.status == .notFound)
            }
        }
    }

    @Test("a tag added after intake brings the case into the housing association's view")
    func tagAdmitsCase() async throws {
        let fixture = try await GatewayFixture()
        let token = try await api.makeTokens(fixture).caseworker
        try await fixture.withRouters { gateway in
            let (id, etag) = try await gateway.staff { client in try await newCase(client, token) }
            let housing = try gateway.fixture.ca.issueClient(commonName: "ealing-homes", organisation: "Ealing Homes Housing Association")
            let before = try await gateway.partner(housing) { client in try await client.get("/v1/views/cases/\(id)") }
            #expect(before.status == .notFound)
            let amended = try await gateway.staff { client in
                try await send(client, .patch, "/v1/cases/\(id)", token: token, body: #"{"tags": ["tenant:ealing-homes"]}"#, ifMatch: etag)
            }
            #expect(amended.status == .ok)
            let after = try await gateway.partner(housing) { client in try await client.get("/v1/views/cases/\(id)") }
            #expect(after.status == .ok)
        }
    }

    @Test("parties: added, corrected, removed with a reason; the subject index follows; the complainant stays; an unknown party is 404")
    func parties() async throws {
        let fixture = try await GatewayFixture()
        let token = try await api.makeTokens(fixture).caseworker
        try await fixture.withRouters { gateway in
            try await gateway.staff { client in
                let (id, etag) = try await newCase(client, token)
                let added = try await send(
                    client,
                    .post,
                    "/v1/cases/\(id)/parties",
                    token: token,
                    body: #"{"role": "witness", "name": "Wilhelmina Tarrant", "date_of_birth": "1975-01-09"}"#,
                    contentType: "application/json",
                    ifMatch: etag
                )
                #expect(added.status == .created && added.headers[.eTag] == "\"2\"")
                let parties = try #require((try api.json(added)["case"] as? [String: Any])?["parties"] as? [[String: Any]])
                let witness = try #require(parties.first { $0["name"] as? String == "Wilhelmina Tarrant" }?["id"] as? String)
                let complainant = try #require(parties.first { $0["role"] as? String == "complainant" }?["id"] as? String)
                let cases = fixture.environment.cases
                #expect(
                    try await cases.caseIDs(partyName: "Wilhelmina Tarrant", dateOfBirth: .init("1975-01-09")).map(\.uuidString) == [id.uppercased()]
                )

                let corrected = try await send(
                    client,
                    .patch,
                    "/v1/cases/\(id)/parties/\(witness)",
                    token: token,
                    body: #"{"phone": "020 8825 5000", "date_of_birth": null}"#,
                    ifMatch: "\"2\""
                )
                #expect(corrected.status == .ok)
                #expect(
                    try await lastEntry(fixture).details == [
                        "fields": "/parties/\(witness.lowercased())/date_of_birth,/parties/\(witness.lowercased())/phone"
                    ]
                )

                let noReason = try await send(
                    client,
                    .delete,
                    "/v1/cases/\(id)/parties/\(witness)",
                    token: token,
                    body: #"{"reason": " "}"#,
                    contentType: "application/json",
                    ifMatch: "\"3\""
                )
                #expect(noReason.status == .badRequest)
                let keepComplainant = try await send(
                    client,
                    .delete,
                    "/v1/cases/\(id)/parties/\(complainant)",
                    token: token,
                    body: #"{"reason": "wrong person"}"#,
                    contentType: "application/json",
                    ifMatch: "\"3\""
                )
                #expect(keepComplainant.status == .unprocessableContent)
                let unknown = try await send(
                    client,
                    .delete,
                    "/v1/cases/\(id)/parties/\(UUID())",
                    token: token,
                    body: #"{"reason": "wrong person"}"#,
                    contentType: "application/json",
                    ifMatch: "\"3\""
                )
                #expect(unknown.status == .notFound)
                let removed = try await send(
                    client,
                    .delete,
                    "/v1/cases/\(id)/parties/\(witness)",
                    token: token,
                    body: #"{"reason": "Recorded on the wrong case"}"#,
                    contentType: "application/json",
                    ifMatch: "\"3\""
                )
                #expect(removed.status == .ok)
                let after = try #require(try api.json(removed)["case"] as? [String: Any])
                #expect((after["parties"] as? [[String: Any]])?.count == 2)
                #expect((after["events"] as? [[String: Any]])?.last?["kind"] as? String == "party-removed")
                #expect(try await cases.caseIDs(partyName: "Wilhelmina Tarrant", dateOfBirth: nil).isEmpty, "the subject index follows")
            }
        }
    }

    @Test("a closed case reopens with a reason; a back-dated event keeps when it happened and when it was recorded, and shows as a late entry")
    func reopenAndBackdate() async throws {
        let fixture = try await GatewayFixture()
        let token = try await api.makeTokens(fixture).caseworker
        try await fixture.withRouters { gateway in
            try await gateway.staff { client in
                let format = ISO8601DateFormatter()
                let received = format.string(from: Date().addingTimeInterval(-10 * 86_400))
                let body = StaffAPITests.newCase.replacingOccurrences(
                    of: #""channel": "phone","#,
                    with: #""channel": "phone", "received_at": "\#(received)","#
                )
                let (id, _) = try await newCase(client, token, body: body)
                let interviewed = format.string(from: Date().addingTimeInterval(-9 * 86_400))
                let late = try await send(
                    client,
                    .post,
                    "/v1/cases/\(id)/events",
                    token: token,
                    body: #"{"kind": "interview-held", "interview_mode": "phone", "at": "\#(interviewed)"}"#,
                    contentType: "application/json"
                )
                #expect(late.status == .created)
                let lateBody = try api.json(late)
                let event = try #require(((lateBody["case"] as? [String: Any])?["events"] as? [[String: Any]])?.first)
                #expect(event["at"] as? String == interviewed && event["recorded_at"] != nil && event["recorded_by"] != nil)
                let interview = (lateBody["service_standards"] as? [[String: Any]])?.first { $0["standard"] as? String == "interview" }
                #expect(interview?["late_entry"] as? Bool == true)
                let updated = try #require((lateBody["case"] as? [String: Any])?["updated_at"] as? String)
                #expect(try #require(format.date(from: updated)) > Date().addingTimeInterval(-120), "updated_at moves with the recording")

                let closed = try await send(
                    client,
                    .post,
                    "/v1/cases/\(id)/events",
                    token: token,
                    body: #"{"kind": "case-closed"}"#,
                    contentType: "application/json"
                )
                #expect(closed.status == .created)
                let noReason = try await send(
                    client,
                    .post,
                    "/v1/cases/\(id)/events",
                    token: token,
                    body: #"{"kind": "case-reopened"}"#,
                    contentType: "application/json"
                )
                #expect(noReason.status == .unprocessableContent)
                let stale = try await send(
                    client,
                    .post,
                    "/v1/cases/\(id)/events",
                    token: token,
                    body: #"{"kind": "case-reopened", "note": "Further incident"}"#,
                    contentType: "application/json",
                    ifMatch: "\"1\""
                )
                #expect(stale.status == .preconditionFailed, "If-Match is checked on events when sent")
                let reopened = try await send(
                    client,
                    .post,
                    "/v1/cases/\(id)/events",
                    token: token,
                    body: #"{"kind": "case-reopened", "note": "Further incident"}"#,
                    contentType: "application/json"
                )
                #expect(reopened.status == .created)
                #expect((try api.json(reopened)["case"] as? [String: Any])?["status"] as? String == "open")
            }
        }
    }
}
