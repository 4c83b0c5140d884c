import Foundation
import HTTPTypes
import HummingbirdTesting
import Ledger
import NIOCore
import Testing

@testable import Gateway

/// The data subject rights register: requests found through the blind index, deadlines and extension,
/// erasure of one party with notices to recipients, completion; every step a ledger entry with no name in it.
@Suite("Data subject requests")
struct SubjectRequestTests {
    let api = StaffAPITests()
    let amendments = CaseAmendmentTests()

    struct Register: Codable, Sendable {
        struct Request: Codable, Sendable {
            var id: String
            var kind: String
            var receivedOn: String
            var due: String
            var extended: Bool
            var status: String
            var caseIds: [String]
            var overdue: Bool
        }
        var requests: [Request]
    }

    func send(
        _ gateway: RoutedGateway,
        _ method: HTTPRequest.Method,
        _ path: String,
        _ token: String,
        _ body: String? = nil
    ) async throws -> (
        HTTPResponse.Status, Data
    ) {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if body != nil { headers[.contentType] = "application/json" }
        let request = TestClient.Request(path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let response = try await gateway.staff { client in try await client.execute(request) }
        return (response.status, Data(buffer: response.body ?? ByteBuffer()))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: data)
    }

    @Test("an erasure request: found by name and date of birth, extended once, one party erased with an `updated` notice, completed")
    func erasureRequest() async throws {
        let fixture = try await GatewayFixture()
        let tokens = try await api.makeTokens(fixture)
        try await fixture.withRouters { gateway in
            let (id, _) = try await gateway.staff { client in try await amendments.newCase(client, tokens.caseworker) }
            #expect(try await gateway.partner(fixture.metPolice) { client in try await client.get("/v1/views/cases/\(id)") }.status == .ok)
            let before = fixture.environment.ledger.size

            let body = #"{"name": "Ada Lovelace-Smith", "date_of_birth": "1980-05-02", "kind": "erasure", "received_on": "2026-11-02"}"#
            #expect(try await send(gateway, .post, "/v1/subject-requests", tokens.caseworker, body).0 == .forbidden)
            let (status, created) = try await send(gateway, .post, "/v1/subject-requests", tokens.igOfficer, body)
            #expect(status == .created)
            let request = try Self.decode(Register.Request.self, created)
            #expect(request.caseIds == [id.uppercased()] && request.due == "2026-12-02" && request.status == "open")

            let (extended, extendedBody) = try await send(
                gateway,
                .post,
                "/v1/subject-requests/\(request.id)/extension",
                tokens.igOfficer,
                #"{"grounds": "complexity"}"#
            )
            let extendedDue = try Self.decode(Register.Request.self, extendedBody).due
            #expect(extended == .ok && extendedDue == "2027-02-02")
            #expect(
                try await send(gateway, .post, "/v1/subject-requests/\(request.id)/extension", tokens.igOfficer, #"{"grounds": "number"}"#).0
                    == .unprocessableContent
            )

            // Erase the complainant: the case stays, the party's data goes, the index no longer finds them, the police are told.
            let c = try #require(try await fixture.environment.cases.get(UUID(uuidString: id)!))
            let complainant = try #require(c.parties.first { $0.role == .complainant })
            let erasure = #"{"case_id": "\#(id)", "person_id": "\#(complainant.id.uuidString)"}"#
            #expect(try await send(gateway, .post, "/v1/subject-requests/\(request.id)/erasure", tokens.igOfficer, erasure).0 == .ok)
            let erased = try #require(try await fixture.environment.cases.get(UUID(uuidString: id)!))
            let party = try #require(erased.parties.first { $0.id == complainant.id })
            #expect(party.isErased && party.dateOfBirth == nil && party.phone == nil && party.address == nil)
            #expect(try await fixture.environment.cases.caseIDs(partyName: "Ada Lovelace-Smith", dateOfBirth: .init("1980-05-02")).isEmpty)
            let feed = try await gateway.partner(fixture.metPolice) { client in
                try await client.get("/v1/views/changes?purpose=asb-case-coordination")
            }
            #expect(String(buffer: try #require(feed.body)).contains("\"kind\":\"updated\""))

            let (done, doneBody) = try await send(
                gateway,
                .post,
                "/v1/subject-requests/\(request.id)/completion",
                tokens.igOfficer,
                #"{"outcome": "answered"}"#
            )
            let doneStatus = try Self.decode(Register.Request.self, doneBody).status
            #expect(done == .ok && doneStatus == "answered")
            #expect(
                try await send(gateway, .post, "/v1/subject-requests/\(request.id)/completion", tokens.igOfficer, #"{"outcome": "answered"}"#).0
                    == .unprocessableContent
            )

            // Every step is a ledger entry; none holds the name.
            let entries = try await fixture.environment.storage.ledger.entries(from: before, limit: 1000)
            let steps = try entries.map { try $0.decoded() }.filter { $0.action == .subjectRequest }
            #expect(steps.compactMap { $0.details?["step"] } == ["received", "extended", "erased", "completed"])
            #expect(!entries.contains { String(decoding: $0.bytes, as: UTF8.self).contains("Lovelace") })
        }
    }

    @Test("a whole case erased on request, as a purge: gone, an erasure entry, `erased` for the partner that received it")
    func wholeCase() async throws {
        let fixture = try await GatewayFixture()
        let tokens = try await api.makeTokens(fixture)
        try await fixture.withRouters { gateway in
            let (id, _) = try await gateway.staff { client in try await amendments.newCase(client, tokens.caseworker) }
            #expect(try await gateway.partner(fixture.metPolice) { client in try await client.get("/v1/views/cases/\(id)") }.status == .ok)
            let body = #"{"name": "Ada Lovelace-Smith", "date_of_birth": "1980-05-02", "kind": "erasure", "received_on": "2026-11-02"}"#
            let request = try Self.decode(Register.Request.self, try await send(gateway, .post, "/v1/subject-requests", tokens.igOfficer, body).1)
            let (status, _) = try await send(
                gateway,
                .post,
                "/v1/subject-requests/\(request.id)/erasure",
                tokens.igOfficer,
                #"{"case_id": "\#(id)"}"#
            )
            #expect(status == .ok)
            #expect(try await fixture.environment.cases.get(UUID(uuidString: id)!) == nil)
            let erasures = try await fixture.environment.storage.ledger.query(LedgerQuery(caseIDs: [id.uppercased()], actions: [.erasure], limit: 10))
            #expect(try erasures.map { try $0.decoded().details?["rule"] } == ["erasure-request"])
            let feed = try await gateway.partner(fixture.metPolice) { client in
                try await client.get("/v1/views/changes?purpose=asb-case-coordination")
            }
            #expect(String(buffer: try #require(feed.body)).contains("\"kind\":\"erased\""))
        }
    }

    @Test(
        "restriction as a step of a request: one person withheld from every view (`updated`), then the whole case (404, `withdrawn`); lifted, even after completion; refused for other kinds and for what the request did not place"
    )
    func restrictionRequest() async throws {
        let fixture = try await GatewayFixture()
        let tokens = try await api.makeTokens(fixture)
        try await fixture.withRouters { gateway in
            let (id, _) = try await gateway.staff { client in try await amendments.newCase(client, tokens.caseworker) }
            let view: @Sendable () async throws -> (HTTPResponse.Status, String) = {
                let response = try await gateway.partner(fixture.metPolice) { client in try await client.get("/v1/views/cases/\(id)") }
                return (response.status, response.body.map { String(buffer: $0) } ?? "")
            }
            let (status, whole) = try await view()
            let roles = whole.components(separatedBy: "\"role\":").count - 1
            #expect(status == .ok && roles >= 2)
            let c = try #require(try await fixture.environment.cases.get(UUID(uuidString: id)!))
            let complainant = try #require(c.parties.first { $0.role == .complainant })
            let person = complainant.id.uuidString.lowercased()

            let erasureKind = #"{"name": "Ada Lovelace-Smith", "date_of_birth": "1980-05-02", "kind": "erasure", "received_on": "2026-11-02"}"#
            let other = try Self.decode(
                Register.Request.self,
                try await send(gateway, .post, "/v1/subject-requests", tokens.igOfficer, erasureKind).1
            )
            let onPerson = #"{"case_id": "\#(id)", "person_id": "\#(person)"}"#
            #expect(
                try await send(gateway, .post, "/v1/subject-requests/\(other.id)/restriction", tokens.igOfficer, onPerson).0 == .unprocessableContent
            )

            let body = #"{"name": "Ada Lovelace-Smith", "date_of_birth": "1980-05-02", "kind": "objection", "received_on": "2026-11-02"}"#
            let request = try Self.decode(Register.Request.self, try await send(gateway, .post, "/v1/subject-requests", tokens.igOfficer, body).1)
            let path = "/v1/subject-requests/\(request.id)/restriction"
            #expect(try await send(gateway, .delete, path, tokens.igOfficer, onPerson).0 == .unprocessableContent)
            #expect(try await send(gateway, .post, path, tokens.caseworker, onPerson).0 == .forbidden)

            // The person: left out of the view, which otherwise stays; the police are told it changed.
            let (placed, placedBody) = try await send(gateway, .post, path, tokens.igOfficer, onPerson)
            #expect(placed == .ok)
            #expect(try Self.decode(Restrictions.self, placedBody).restrictions == ["\(id.uppercased())/\(person)"])
            #expect(try await send(gateway, .post, path, tokens.igOfficer, onPerson).0 == .unprocessableContent)
            let (stillShared, withoutPerson) = try await view()
            #expect(stillShared == .ok && withoutPerson.components(separatedBy: "\"role\":").count - 1 == roles - 1)
            #expect(!withoutPerson.contains("\"role\":\"complainant\""))
            let restricted = try #require(try await fixture.environment.cases.get(UUID(uuidString: id)!))
            #expect(restricted.isRestricted(party: complainant.id) && !restricted.isRestricted)
            let kinds = try await noticeKinds(fixture, id)
            #expect(kinds.last == "updated")

            // The whole case: 404 and `withdrawn`.
            let onCase = #"{"case_id": "\#(id)"}"#
            #expect(try await send(gateway, .post, path, tokens.igOfficer, onCase).0 == .ok)
            #expect(try await view().0 == .notFound)
            #expect(try await noticeKinds(fixture, id).last == "withdrawn")

            // Completed, then lifted: the case and the person back in the view.
            #expect(
                try await send(gateway, .post, "/v1/subject-requests/\(request.id)/completion", tokens.igOfficer, #"{"outcome": "answered"}"#).0
                    == .ok
            )
            #expect(try await send(gateway, .delete, path, tokens.igOfficer, onCase).0 == .ok)
            let (liftedStatus, liftedBody) = try await send(gateway, .delete, path, tokens.igOfficer, onPerson)
            let standing = try Self.decode(Restrictions.self, liftedBody).restrictions
            #expect(liftedStatus == .ok && standing.isEmpty)
            let (back, again) = try await view()
            #expect(back == .ok && again.components(separatedBy: "\"role\":").count - 1 == roles)

            // Each step in the register's entries and on the case as events naming the party.
            let history = try #require(try await fixture.environment.cases.get(UUID(uuidString: id)!)).events.filter(\.isRestriction)
            #expect(history.map(\.party) == [complainant.id, nil, nil, complainant.id])
            let steps = try await fixture.environment.storage.ledger.query(LedgerQuery(actions: [.subjectRequest], limit: 100))
            #expect(
                try steps.map { try $0.decoded() }.filter { $0.details?["request"] == request.id }.compactMap { $0.details?["step"] }
                    == ["received", "restricted", "restricted", "completed", "lifted", "lifted"]
            )
        }
    }

    struct Restrictions: Codable { var restrictions: [String] }

    /// The kinds of the notices to the Met about case `id`, oldest first.
    func noticeKinds(_ fixture: GatewayFixture, _ id: String) async throws -> [String] {
        try await fixture.environment.storage.ledger.query(
            LedgerQuery(recipient: "met-police", caseIDs: [id.uppercased()], actions: [.notification], limit: 100)
        )
        .compactMap { try $0.decoded().details?["kind"] }
    }

    @Test("the register lists deadlines and overdue requests, as JSON and CSV; bad requests are refused")
    func register() async throws {
        let fixture = try await GatewayFixture()
        let tokens = try await api.makeTokens(fixture)
        try await fixture.withRouters { gateway in
            let old = #"{"name": "Nobody Known", "kind": "access", "received_on": "2026-09-01"}"#
            let (status, created) = try await send(gateway, .post, "/v1/subject-requests", tokens.igOfficer, old)
            #expect(status == .created)
            let request = try Self.decode(Register.Request.self, created)
            #expect(request.caseIds.isEmpty)
            let (_, list) = try await send(gateway, .get, "/v1/subject-requests", tokens.igOfficer)
            #expect(try Self.decode(Register.self, list).requests.first { $0.id == request.id }?.overdue == true)
            let (_, csv) = try await send(gateway, .get, "/v1/subject-requests?format=csv", tokens.igOfficer)
            #expect(String(decoding: csv, as: UTF8.self).contains("\(request.id),access,2026-09-01,2026-10-01,no,open,yes,0"))

            let erase = #"{"case_id": "\#(UUID())", "person_id": "\#(UUID())"}"#
            #expect(try await send(gateway, .post, "/v1/subject-requests/\(request.id)/erasure", tokens.igOfficer, erase).0 == .unprocessableContent)
            #expect(
                try await send(
                    gateway,
                    .post,
                    "/v1/subject-requests",
                    tokens.igOfficer,
                    #"{"name": "X", "kind": "deletion", "received_on": "2026-09-01"}"#
                ).0 == .badRequest
            )
            #expect(
                try await send(
                    gateway,
                    .post,
                    "/v1/subject-requests",
                    tokens.igOfficer,
                    #"{"name": "X", "kind": "access", "received_on": "2099-01-01"}"#
                ).0 == .badRequest
            )
            #expect(try await send(gateway, .get, "/v1/subject-requests/sr-000000000000", tokens.igOfficer).0 == .notFound)
        }
    }
}
