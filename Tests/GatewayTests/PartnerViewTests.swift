import ByteEncoding
import CaseModel
import DemoData
import DevPKI
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Redaction
import SharingPolicy
import Testing

@Suite("Partner views through the router")
struct PartnerViewTests {
    static let policies = GatewayFixture.repositoryPolicies
    static let organisations = [
        "met-police": "Metropolitan Police Service", "ealing-homes": "Ealing Homes Housing Association",
        "wlmht": "West London NHS Trust", "lfb": "London Fire Brigade", "probation": "The Probation Service",
    ]

    static func fixtures() throws -> [PolicyFixture] {
        let dir = policies.appendingPathComponent("tests")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().filter { $0.hasSuffix(".json") }.map {
            try decoder.decode(PolicyFixture.self, from: Data(contentsOf: dir.appendingPathComponent($0)))
        }
    }

    /// A gateway holding the fixture cases, with the fixtures' master key and day.
    static func fixtureGateway(now: Date? = nil, viewCacheMegabytes: Int = 64) async throws -> (GatewayFixture, [PolicyFixture]) {
        let fixtures = try fixtures()
        let first = try #require(fixtures.first)
        let key = try #require([UInt8](hex: first.masterKey).map { Data($0) })
        let noon = now ?? Date(timeIntervalSince1970: Double(first.today.daysSinceEpoch) * 86400 + 12 * 3600)
        let gateway = try await GatewayFixture(masterKey: key, viewCacheMegabytes: viewCacheMegabytes, now: { noon })
        for fixture in fixtures { _ = try await gateway.environment.cases.create(fixture.case) }
        return (gateway, fixtures)
    }

    func certificate(_ gateway: RoutedGateway, _ partner: String) throws -> IssuedCertificate {
        try gateway.fixture.ca.issueClient(commonName: partner, organisation: Self.organisations[partner]!)
    }

    func json(_ response: TestClient.Response) throws -> JSONValue {
        let body = try #require(response.body)
        return try JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))
    }

    @Test("each shipped partner sees exactly its fixture views, and nothing outside its filter")
    func fixtureViews() async throws {
        let (fixture, fixtures) = try await Self.fixtureGateway()
        try await fixture.withRouters { gateway in
            for partner in Self.organisations.keys.sorted() {
                try await gateway.partner(try certificate(gateway, partner)) { client in
                    var admitted: Set<String> = []
                    for f in fixtures {
                        let (purpose, expected) = try #require(f.expected[partner]?.first)
                        let response = try await client.get("/v1/views/cases/\(f.case.id.uuidString)")
                        if expected == .null {
                            #expect(response.status == .notFound, "\(partner) must not see \(f.case.reference)")
                            #expect(response.headers[.contentType] == "application/problem+json")
                        } else {
                            #expect(response.status == .ok, "\(partner) / \(purpose)")
                            let got = try json(response)
                            #expect(
                                got.withoutVersion.firstDifference(from: expected.withoutVersion) == nil,
                                "\(partner): \(got.withoutVersion.firstDifference(from: expected.withoutVersion) ?? "")"
                            )
                            admitted.insert(f.case.id.uuidString)
                        }
                    }
                    let list = try json(try await client.get("/v1/views/cases?limit=50"))
                    guard case .object(let body) = list, case .array(let views)? = body["views"] else {
                        Issue.record("no views array")
                        return
                    }
                    let listed = Set(
                        views.compactMap { view -> String? in
                            if case .object(let v) = view, case .string(let id)? = v["case_id"] { return id } else { return nil }
                        }
                    )
                    #expect(listed == admitted, "\(partner) list")
                }
            }
        }
    }

    @Test("a case outside the filter is 404 exactly like a case that does not exist")
    func outsideFilterLooksMissing() async throws {
        let (fixture, fixtures) = try await Self.fixtureGateway()
        let hidden = try #require(fixtures.first { $0.expected["lfb"]?.first?.value == .null })
        try await fixture.withRouters { gateway in
            try await gateway.partner(try certificate(gateway, "lfb")) { client in
                let outside = try await client.get("/v1/views/cases/\(hidden.case.id.uuidString)")
                let missingID = UUID().uuidString
                let missing = try await client.get("/v1/views/cases/\(missingID)")
                #expect(outside.status == .notFound && missing.status == .notFound)
                let a = String(buffer: try #require(outside.body)).replacingOccurrences(of: hidden.case.id.uuidString, with: "ID")
                let b = String(buffer: try #require(missing.body)).replacingOccurrences(of: missingID, with: "ID")
                #expect(a == b)
            }
        }
    }

    @Test("a case id is read only in its 36-digit form: a spelling Foundation's sscanf would take for the same id is 404")
    func caseIDSpelledOnlyOneWay() async throws {
        let (fixture, fixtures) = try await Self.fixtureGateway()
        let shown = try #require(fixtures.first { $0.expected["met-police"]?.first?.value != .null })
        var copy = shown.case
        copy.id = try #require(UUID(uuidString: "0123ABCD-0123-4567-89AB-0123456789AB"))
        copy.reference = ""
        _ = try await fixture.environment.cases.create(copy)
        try await fixture.withRouters { gateway in
            try await gateway.partner(fixture.metPolice) { client in
                let upper = try await client.get("/v1/views/cases/0123ABCD-0123-4567-89AB-0123456789AB")
                let lower = try await client.get("/v1/views/cases/0123abcd-0123-4567-89ab-0123456789ab")
                #expect(upper.status == .ok && lower.status == .ok, "either case")
                // UUID(uuidString:) on Linux reads each group with sscanf's %x, which takes a sign or a space.
                for spelling in ["+123ABCD-0123-4567-89AB-0123456789AB", "0123ABCD-+123-4567-89AB-0123456789AB"] {
                    let response = try await client.get("/v1/views/cases/\(spelling)")
                    #expect(response.status == .notFound, "\(spelling)")
                }
            }
        }
    }

    @Test("an unregistered certificate gets nothing")
    func unknownCertificate() async throws {
        let (fixture, fixtures) = try await Self.fixtureGateway()
        let stranger = try fixture.ca.issueClient(commonName: "acme", organisation: "Acme Investigations Ltd")
        try await fixture.withRouters { gateway in
            try await gateway.partner(stranger) { client in
                for path in ["/v1/views/cases", "/v1/views/cases/\(fixtures[0].case.id.uuidString)"] {
                    let response = try await client.get(path)
                    #expect(response.status == .forbidden)
                    #expect(!String(buffer: response.body ?? ByteBuffer()).contains("ASB-"))
                }
            }
        }
    }

    @Test("an agreement past its review date disables the partner with 403 problem+json")
    func expiredAgreement() async throws {
        let later = ISO8601DateFormatter().date(from: "2027-02-15T12:00:00Z")!  // after ealing-homes' review date, before the others'
        let (fixture, fixtures) = try await Self.fixtureGateway(now: later)
        try await fixture.withRouters { gateway in
            try await gateway.partner(try certificate(gateway, "ealing-homes")) { client in
                let response = try await client.get("/v1/views/cases/\(fixtures[0].case.id.uuidString)")
                #expect(response.status == .forbidden)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(String(buffer: try #require(response.body)).contains("review date"))
            }
            try await gateway.partner(try certificate(gateway, "met-police")) { client in
                let response = try await client.get("/v1/views/cases?limit=1")
                #expect(response.status == .ok)
            }
        }
    }

    @Test("views page through every admitted case once, by an opaque cursor")
    func paging() async throws {
        let fixture = try await GatewayFixture()
        var generator = DemoCaseGenerator(seed: 3, clock: fixture.environment.clock)
        let cases = generator.makeCases(80)
        for c in cases { _ = try await fixture.environment.cases.create(c) }
        let expected = Set(cases.filter { [.a, .b].contains($0.category) }.map(\.id.uuidString))
        try await fixture.withRouters { gateway in
            try await gateway.partner(try certificate(gateway, "met-police")) { client in
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let query = cursor.map { "&cursor=\($0)" } ?? ""
                    let page = try json(try await client.get("/v1/views/cases?limit=7\(query)"))
                    guard case .object(let body) = page, case .array(let views)? = body["views"] else {
                        Issue.record("bad page")
                        return
                    }
                    #expect(views.count <= 7)
                    for case .object(let v) in views { if case .string(let id)? = v["case_id"] { seen.append(id) } }
                    if case .string(let next)? = body["next_cursor"] { cursor = next } else { cursor = nil }
                } while cursor != nil
                #expect(seen.count == expected.count)
                #expect(Set(seen) == expected)
                let bad = try await client.get("/v1/views/cases?cursor=garbage")
                #expect(bad.status == .badRequest)
                let future = try await client.get("/v1/views/cases?updated_since=2999-01-01T00:00:00Z")
                #expect(String(buffer: try #require(future.body)).contains("\"views\":[]"))
                let wrongPurpose = try await client.get("/v1/views/cases?purpose=marketing")
                #expect(wrongPurpose.status == .badRequest)
            }
        }
    }

    @Test("an admin reload swaps in a valid set and rejects an invalid one, keeping the old set")
    func reload() async throws {
        let (fixture, fixtures) = try await Self.fixtureGateway()
        let admin = try await fixture.environment.users.add(name: "Admin", role: .admin).token
        let caseworker = try await fixture.environment.users.add(name: "Casey", role: .caseworker).token
        let metFile = fixture.policiesDirectory.appendingPathComponent("partners/met-police.yaml")
        let original = try String(contentsOf: metFile, encoding: .utf8)
        let target = try #require(fixtures.first { $0.expected["met-police"]?.first?.value != .null })
        try await fixture.withRouters { gateway in
            func post(_ token: String) async throws -> TestClient.Response {
                try await gateway.staff { client in
                    try await client.execute(.init("/v1/policies/reload", method: .post, headers: [.authorization: "Bearer \(token)"]))
                }
            }
            func phoneShown() async throws -> Bool {
                try await gateway.partner(try certificate(gateway, "met-police")) { client in
                    let body = String(buffer: try #require(try await client.get("/v1/views/cases/\(target.case.id.uuidString)").body))
                    return body.contains("\"phone\"")
                }
            }
            #expect(try await post(caseworker).status == .forbidden)
            #expect(try await phoneShown() == false)

            try original.replacingOccurrences(of: "complainant.phone: omit", with: "complainant.phone: shar")
                .write(to: metFile, atomically: true, encoding: .utf8)
            let rejected = try await post(admin)
            #expect(rejected.status == .unprocessableContent)
            let problem = String(buffer: try #require(rejected.body))
            #expect(problem.contains("met-police.yaml:") && problem.contains("did you mean 'share'?"))
            #expect(try await phoneShown() == false, "the old set stays in force")

            try original.replacingOccurrences(of: "complainant.phone: omit", with: "complainant.phone: mask(last=3)")
                .write(to: metFile, atomically: true, encoding: .utf8)
            let accepted = try await post(admin)
            #expect(accepted.status == .ok)
            #expect(try await phoneShown() == true)
        }
    }
}
