import Foundation
import Gateway
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Storage
import Testing

@Suite("Staff API through the router: tokens, roles and the case API")
struct StaffAPITests {
    static let newCase = """
        {"incident_type": "harassment", "channel": "phone", "ward": "Hanwell Broadway",
         "location": "12 Boston Road, W7 3TR", "narrative": "Repeated abuse shouted through the letterbox.",
         "parties": [{"role": "complainant", "name": "Ada Lovelace-Smith", "date_of_birth": "1980-05-02",
                      "address": {"lines": ["12 Boston Road"], "postcode": "w7 3tr"}, "phone": "020 7946 0000"},
                     {"role": "alleged-perpetrator", "name": "Unknown male"}]}
        """

    struct Tokens {
        var caseworker: String
        var igOfficer: String
        var admin: String
        var revoked: String
    }

    func makeTokens(_ fixture: GatewayFixture) async throws -> Tokens {
        let users = fixture.environment.users
        let revoked = try await users.add(name: "Former", role: .caseworker)
        _ = try await users.revoke(id: revoked.0.id)
        return Tokens(
            caseworker: try await users.add(name: "Casey", role: .caseworker).token,
            igOfficer: try await users.add(name: "Iggy", role: .igOfficer).token,
            admin: try await users.add(name: "Addy", role: .admin).token,
            revoked: revoked.token
        )
    }

    func request(
        _ client: some GatewayClient,
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String?,
        body: String? = nil,
        contentType: String = "application/json"
    ) async throws -> TestClient.Response {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = contentType }
        return try await client.execute(.init(uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }))
    }

    func json(_ response: TestClient.Response) throws -> [String: Any] {
        let body = try #require(response.body)
        return try #require(JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
    }

    @Test("each role gets exactly its endpoints; missing, wrong and revoked tokens get 401")
    func roles() async throws {
        let fixture = try await GatewayFixture()
        let tokens = try await makeTokens(fixture)
        try await fixture.withRouters { gateway in
            try await gateway.staff { client in
                let endpoints: [(HTTPRequest.Method, String, String?)] = [
                    (.get, "/v1/cases", nil),
                    (.post, "/v1/cases", Self.newCase),
                    (.get, "/v1/cases/\(UUID())", nil),
                    (.post, "/v1/cases/\(UUID())/events", #"{"kind": "home-visit-offered"}"#),
                ]
                for (method, uri, body) in endpoints {
                    let cases: [(String?, HTTPResponse.Status)] = [
                        (tokens.igOfficer, .forbidden), (tokens.admin, .forbidden),
                        (nil, .unauthorized), (tokens.revoked, .unauthorized), ("cgt_bogus_token", .unauthorized),
                    ]
                    for (token, status) in cases {
                        let response = try await request(client, method, uri, token: token, body: body)
                        #expect(response.status == status, "\(method) \(uri)")
                        #expect(response.headers[.contentType] == "application/problem+json")
                        if status == .unauthorized { #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true) }
                    }
                    let allowed = try await request(client, method, uri, token: tokens.caseworker, body: body)
                    #expect([.ok, .created, .notFound].contains(allowed.status), "\(method) \(uri) as caseworker")
                }
                let health = try await request(client, .get, "/healthz", token: nil)
                #expect(health.status == .ok)
                let ready = try json(try await request(client, .get, "/readyz", token: nil))
                #expect(ready["status"] as? String == "ready")
                #expect(ready["version"] as? String == BuildInfo.version)
                #expect((ready["commit"] as? String)?.isEmpty == false)
            }
        }
    }

    @Test("a caseworker records and progresses a case")
    func caseLifecycle() async throws {
        let fixture = try await GatewayFixture()
        let tokens = try await makeTokens(fixture)
        try await fixture.withRouters { gateway in
            try await gateway.staff { client in
                let created = try await request(client, .post, "/v1/cases", token: tokens.caseworker, body: Self.newCase)
                #expect(created.status == .created)
                let body = try json(created)
                let c = try #require(body["case"] as? [String: Any])
                let id = try #require(c["id"] as? String)
                #expect(c["category"] as? String == "B")
                #expect((c["reference"] as? String)?.hasPrefix("ASB-") == true)
                #expect(created.headers[.location] == "/v1/cases/\(id)")
                let parties = try #require(c["parties"] as? [[String: Any]])
                #expect((parties[0]["address"] as? [String: Any])?["postcode"] as? String == "W7 3TR")
                #expect(parties[0]["id"] is String)

                let interview = try await request(
                    client,
                    .post,
                    "/v1/cases/\(id)/events",
                    token: tokens.caseworker,
                    body: #"{"kind": "interview-held", "interview_mode": "phone", "note": "Spoke by phone"}"#
                )
                #expect(interview.status == .created)
                let raise = try await request(
                    client,
                    .post,
                    "/v1/cases/\(id)/events",
                    token: tokens.caseworker,
                    body: #"{"kind": "category-raised", "category": "A", "note": "Hate motivation disclosed"}"#
                )
                #expect(raise.status == .created)
                #expect((try json(raise)["case"] as? [String: Any])?["category"] as? String == "A")
                let lower = try await request(
                    client,
                    .post,
                    "/v1/cases/\(id)/events",
                    token: tokens.caseworker,
                    body: #"{"kind": "category-raised", "category": "C", "note": "Not serious"}"#
                )
                #expect(lower.status == .unprocessableContent)
                #expect((try json(lower)["detail"] as? String)?.contains("only be raised") == true)

                _ = try await request(client, .post, "/v1/cases/\(id)/events", token: tokens.caseworker, body: #"{"kind": "case-closed"}"#)
                let afterClose = try await request(
                    client,
                    .post,
                    "/v1/cases/\(id)/events",
                    token: tokens.caseworker,
                    body: #"{"kind": "progress-update-sent"}"#
                )
                #expect(afterClose.status == .unprocessableContent)
                let notified = try await request(
                    client,
                    .post,
                    "/v1/cases/\(id)/events",
                    token: tokens.caseworker,
                    body: #"{"kind": "closure-notification-sent"}"#
                )
                #expect(notified.status == .created)

                let read = try await request(client, .get, "/v1/cases/\(id)", token: tokens.caseworker)
                #expect(read.status == .ok)
                let readCase = try #require(try json(read)["case"] as? [String: Any])
                #expect(readCase["status"] as? String == "closed")
                #expect((readCase["events"] as? [Any])?.count == 4)

                let list = try await request(client, .get, "/v1/cases?category=A&status=closed&ward=Hanwell%20Broadway", token: tokens.caseworker)
                #expect(((try json(list))["cases"] as? [Any])?.count == 1)
                let none = try await request(client, .get, "/v1/cases?status=open", token: tokens.caseworker)
                #expect(((try json(none))["cases"] as? [Any])?.count == 0)
            }
        }
    }

    @Test(
        "bad input gets a precise problem+json and changes nothing",
        arguments: [
            ("{\"incident_type\": ", HTTPResponse.Status.badRequest, "not well-formed JSON"),
            (StaffAPITests.newCase.replacingOccurrences(of: "\"channel\"", with: "\"chanel\""), .badRequest, "channel"),
            (
                StaffAPITests.newCase.replacingOccurrences(of: "\"ward\"", with: "\"favourite_colour\": \"blue\", \"ward\""), .badRequest,
                "unknown field 'favourite_colour'"
            ),
            (StaffAPITests.newCase.replacingOccurrences(of: "\"phone\", \"ward\"", with: "\"fax\", \"ward\""), .badRequest, "channel"),
            (StaffAPITests.newCase.replacingOccurrences(of: "w7 3tr", with: "not a postcode"), .badRequest, "postcode"),
            (StaffAPITests.newCase.replacingOccurrences(of: "\"1980-05-02\"", with: "19800502"), .badRequest, "date_of_birth"),
            (StaffAPITests.newCase.replacingOccurrences(of: "\"role\": \"complainant\"", with: "\"role\": \"witness\""), .badRequest, "complainant"),
            (
                StaffAPITests.newCase.replacingOccurrences(of: "\"name\": \"Unknown male\"", with: "\"name\": \"Unknown male\", \"shoe_size\": 9"),
                .badRequest, "unknown field 'parties[1].shoe_size'"
            ),
            ("[]", .badRequest, "object"),
        ]
    )
    func badInput(body: String, status: HTTPResponse.Status, detail: String) async throws {
        let fixture = try await GatewayFixture()
        let tokens = try await makeTokens(fixture)
        try await fixture.withRouters { gateway in
            try await gateway.staff { client in
                let response = try await request(client, .post, "/v1/cases", token: tokens.caseworker, body: body)
                #expect(response.status == status)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try json(response)
                #expect((problem["detail"] as? String)?.contains(detail) == true, "\(problem["detail"] ?? "")")
                #expect(problem["status"] as? Int == Int(status.code))
                #expect(problem["type"] is String && problem["title"] is String)
            }
        }
        #expect(try await fixture.environment.cases.count() == 0)
    }

    @Test("bodies over the limit get 413; other media types 415")
    func limits() async throws {
        let fixture = try await GatewayFixture(maxBodyBytes: 2048)
        let tokens = try await makeTokens(fixture)
        try await fixture.withRouters { gateway in
            try await gateway.staff { client in
                let big = Self.newCase.replacingOccurrences(of: "Repeated abuse", with: String(repeating: "x", count: 4096))
                let response = try await request(client, .post, "/v1/cases", token: tokens.caseworker, body: big)
                #expect(response.status == .contentTooLarge)
                #expect(response.headers[.contentType] == "application/problem+json")
                let text = try await request(client, .post, "/v1/cases", token: tokens.caseworker, body: Self.newCase, contentType: "text/plain")
                #expect(text.status == .unsupportedMediaType)
            }
        }
        #expect(try await fixture.environment.cases.count() == 0)
    }

    @Test("query parameters are validated")
    func queryValidation() async throws {
        let fixture = try await GatewayFixture()
        let tokens = try await makeTokens(fixture)
        try await fixture.withRouters { gateway in
            try await gateway.staff { client in
                for query in ["category=D", "status=pending", "overdue=maybe", "limit=0", "limit=500", "cursor=zzz"] {
                    let response = try await request(client, .get, "/v1/cases?\(query)", token: tokens.caseworker)
                    #expect(response.status == .badRequest, "\(query)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
                let missing = try await request(client, .get, "/v1/cases/not-a-uuid", token: tokens.caseworker)
                #expect(missing.status == .notFound)
                let unknownRoute = try await request(client, .get, "/v2/anything", token: tokens.caseworker)
                #expect(unknownRoute.status == .notFound)
                #expect(unknownRoute.headers[.contentType] == "application/problem+json")
            }
        }
    }
}
