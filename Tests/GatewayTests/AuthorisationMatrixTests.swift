import DemoData
import DevPKI
import Foundation
import Gateway
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SharingPolicy
import Storage
import Testing

/// Every endpoint × every principal, over real sockets. A route added to either router
/// without a row here fails the test.
@Suite("Authorisation matrix")
struct AuthorisationMatrixTests {
    /// What a request should meet: a status, or a refused TLS handshake (no HTTP at all).
    enum Outcome: Equatable, CustomStringConvertible {
        case status(HTTPResponse.Status)
        case refused

        var description: String {
            switch self {
            case .status(let status): "\(status.code)"
            case .refused: "refused handshake"
            }
        }
    }

    static let partners = [
        "met-police": "Metropolitan Police Service", "ealing-homes": "Ealing Homes Housing Association",
        "wlmht": "West London NHS Trust", "lfb": "London Fire Brigade", "probation": "The Probation Service",
    ]

    /// The partner side's principals beyond the shipped partners.
    enum Stranger: String, CaseIterable {
        case noCertificate = "no certificate"
        case foreignCA = "certificate from another CA"
        case expired = "expired certificate"
        case revoked = "revoked certificate"
        case unclaimed = "our CA, no partner claims it"
    }

    @Test("partner listener: each shipped partner, and every kind of stranger")
    func partnerListener() async throws {
        let fixture = try await GatewayFixture()
        var generator = DemoCaseGenerator(seed: 5, clock: fixture.environment.clock)
        let cases = generator.makeCases(40)
        for c in cases { _ = try await fixture.environment.cases.create(c) }
        let ca = fixture.ca
        var identities: [String: IssuedCertificate?] = [:]
        for (id, organisation) in Self.partners { identities[id] = try ca.issueClient(commonName: id, organisation: organisation) }
        let revoked = try ca.issueClient(commonName: "met-police-old", organisation: "Metropolitan Police Service")
        try RevocationList.appending(.init(fingerprint: try revoked.fingerprint, reason: "test", revokedAt: "2026-11-20"), to: nil)
            .write(to: fixture.policiesDirectory.appendingPathComponent(RevocationList.fileName), atomically: true, encoding: .utf8)
        _ = try GatewayFixture.reloadPartners(fixture)
        identities[Stranger.noCertificate.rawValue] = .some(nil)
        identities[Stranger.foreignCA.rawValue] = try DevCertificateAuthority.create(commonName: "Elsewhere").issueClient(
            commonName: "met-police",
            organisation: "Metropolitan Police Service"
        )
        identities[Stranger.expired.rawValue] = try ca.issueClient(
            commonName: "met-police",
            organisation: "Metropolitan Police Service",
            validFrom: Date().addingTimeInterval(-30 * 86400),
            validUntil: Date().addingTimeInterval(-86400)
        )
        identities[Stranger.revoked.rawValue] = revoked
        identities[Stranger.unclaimed.rawValue] = try ca.issueClient(commonName: "x", organisation: "Nobody Agency")

        let principals = identities
        let set = fixture.environment.policies.current
        let probe = try #require(cases.first { set.policy(partner: "met-police", purpose: nil)!.purpose.records.admits($0) })

        try await fixture.withRunningGateway { gateway in
            // One disclosure to met-police, so its ledger entry can be fetched by met-police only.
            let disclosed = try await using(try gateway.partnerClient(principals["met-police"]!)) {
                try await $0.get("/v1/views/cases/\(probe.id.uuidString)")
            }
            let index = try #require(disclosed.headers[.casegateLedgerIndex])

            func partnerOutcome(_ principal: String, _ allowed: (String) -> HTTPResponse.Status) -> Outcome {
                switch Stranger(rawValue: principal) {
                case .noCertificate, .foreignCA, .expired: .refused
                case .revoked, .unclaimed: .status(.forbidden)
                case nil: .status(allowed(principal))
                }
            }
            let everyone = Array(principals.keys).sorted()
            // Routes before the identity check: anyone through the handshake is answered.
            let open: (String) -> Outcome = { principal in
                switch Stranger(rawValue: principal) {
                case .noCertificate, .foreignCA, .expired: .refused
                default: .status(.ok)
                }
            }
            // (method, route as registered, request path, outcome per principal)
            let rows: [(HTTPRequest.Method, String, String, (String) -> Outcome)] = [
                (.get, "healthz", "/healthz", open),
                (.get, "readyz", "/readyz", open),
                (.get, "openapi.yaml", "/openapi.yaml", open),
                (.get, "v1/whoami", "/v1/whoami", { partnerOutcome($0) { _ in .ok } }),
                (.get, "v1/ping", "/v1/ping", { partnerOutcome($0) { _ in .ok } }),
                (.get, "v1/ledger/checkpoint", "/v1/ledger/checkpoint", { partnerOutcome($0) { _ in .ok } }),
                (.get, "v1/ledger/public-key", "/v1/ledger/public-key", { partnerOutcome($0) { _ in .ok } }),
                (.get, "v1/ledger/proofs/inclusion", "/v1/ledger/proofs/inclusion?index=0&size=1", { partnerOutcome($0) { _ in .ok } }),
                (.get, "v1/ledger/proofs/consistency", "/v1/ledger/proofs/consistency?from=1&to=1", { partnerOutcome($0) { _ in .ok } }),
                (.get, "v1/ledger/entries/{index}", "/v1/ledger/entries/\(index)", { partnerOutcome($0) { $0 == "met-police" ? .ok : .notFound } }),
                // Each partner's own entries (an empty list for the others).
                (.get, "v1/ledger/entries", "/v1/ledger/entries?after=0", { partnerOutcome($0) { _ in .ok } }),
                (
                    .get, "v1/ledger/proofs/receipt", "/v1/ledger/proofs/receipt?index=\(index)",
                    { partnerOutcome($0) { $0 == "met-police" ? .ok : .notFound } }
                ),
                (.get, "v1/ledger/tile/**", "/v1/ledger/tile/0/000.p/1", { partnerOutcome($0) { _ in .ok } }),
                (.get, "v1/views/cases", "/v1/views/cases", { partnerOutcome($0) { _ in .ok } }),
                (.get, "v1/views/changes", "/v1/views/changes", { partnerOutcome($0) { _ in .ok } }),
                // Entry 0 is no one's notice.
                (.post, "v1/notices/{index}/acknowledgement", "/v1/notices/0/acknowledgement", { partnerOutcome($0) { _ in .notFound } }),
                (
                    .get, "v1/views/cases/{id}", "/v1/views/cases/\(probe.id.uuidString)",
                    {
                        partnerOutcome($0) { set.policy(partner: $0, purpose: nil)!.purpose.records.admits(probe) ? .ok : .notFound }
                    }
                ),
            ]
            #expect(Set(rows.map { "\($0.0) \($0.1)" }) == fixture.routes.partner, "every partner route has a row, and every row a route")

            for (method, _, path, expected) in rows {
                for principal in everyone {
                    let outcome = await Self.outcome {
                        try gateway.partnerClient(principals[principal]!)
                    } request: {
                        try await $0.execute(.init(path, method: method))
                    }
                    #expect(outcome == expected(principal), "\(method) \(path) as \(principal)")
                }
            }
        }
    }

    @Test("staff listener: each role, no token, a revoked token, a malformed one")
    func staffListener() async throws {
        let fixture = try await GatewayFixture()
        let users = fixture.environment.users
        let former = try await users.add(name: "Former", role: .admin)
        _ = try await users.revoke(id: former.0.id)
        let tokens: [String: String?] = [
            "caseworker": try await users.add(name: "Casey", role: .caseworker).token,
            "ig-officer": try await users.add(name: "Iggy", role: .igOfficer).token,
            "admin": try await users.add(name: "Addy", role: .admin).token,
            "no token": nil,
            "revoked token": former.token,
            "malformed token": "cgt_nope",
        ]
        var generator = DemoCaseGenerator(seed: 6, clock: fixture.environment.clock)
        // An open case, so events can be recorded on it.
        let open = try #require((0..<50).lazy.map { _ in generator.makeCase() }.first { $0.status == .open })
        let c = try await fixture.environment.cases.create(open)
        let id = c.id.uuidString

        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.staffClient()) { client in
                func send(_ method: HTTPRequest.Method, _ path: String, _ token: String?, _ body: String?) async throws -> TestClient.Response {
                    var headers: HTTPFields = [:]
                    if let token { headers[.authorization] = "Bearer \(token)" }
                    if body != nil { headers[.contentType] = "application/json" }
                    return try await client.execute(.init(path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }))
                }
                // A finished sweep to read back.
                let started = try await send(.post, "/v1/retention/sweeps", tokens["admin"]!, #"{"dry_run": true}"#)
                #expect(started.status == .accepted)
                let sweep = try #require(started.headers[.location])
                for _ in 0..<100 where !String(buffer: try #require(try await send(.get, sweep, tokens["admin"]!, nil).body)).contains("completed") {
                    try await Task.sleep(for: .milliseconds(50))
                }

                func only(_ roles: String..., status: HTTPResponse.Status) -> (String) -> HTTPResponse.Status {
                    { principal in
                        switch principal {
                        case "no token", "revoked token", "malformed token": .unauthorized
                        default: roles.contains(principal) ? status : .forbidden
                        }
                    }
                }
                let everyone: (String) -> HTTPResponse.Status = { _ in .ok }
                // (method, route as registered, request path, body, status per principal); rows run in order.
                let rows: [(HTTPRequest.Method, String, String, String?, (String) -> HTTPResponse.Status)] = [
                    (.get, "healthz", "/healthz", nil, everyone),
                    (.get, "readyz", "/readyz", nil, everyone),
                    (.get, "openapi.yaml", "/openapi.yaml", nil, everyone),
                    (.post, "v1/cases", "/v1/cases", StaffAPITests.newCase, only("caseworker", status: .created)),
                    (.get, "v1/cases", "/v1/cases", nil, only("caseworker", status: .ok)),
                    (.get, "v1/cases/{id}", "/v1/cases/\(id)", nil, only("caseworker", status: .ok)),
                    (
                        .post, "v1/cases/{id}/events", "/v1/cases/\(id)/events", #"{"kind": "home-visit-offered"}"#,
                        only("caseworker", status: .created)
                    ),
                    // Amendments need If-Match: a caseworker without one gets 428, everyone else 403 first.
                    (.patch, "v1/cases/{id}", "/v1/cases/\(id)", #"{"narrative": "x"}"#, only("caseworker", status: .preconditionRequired)),
                    (
                        .post, "v1/cases/{id}/parties", "/v1/cases/\(id)/parties", #"{"role": "witness", "name": "W"}"#,
                        only("caseworker", status: .preconditionRequired)
                    ),
                    (
                        .patch, "v1/cases/{id}/parties/{person}", "/v1/cases/\(id)/parties/\(UUID())", #"{"name": "W"}"#,
                        only("caseworker", status: .preconditionRequired)
                    ),
                    (
                        .delete, "v1/cases/{id}/parties/{person}", "/v1/cases/\(id)/parties/\(UUID())", #"{"reason": "wrong"}"#,
                        only("caseworker", status: .preconditionRequired)
                    ),
                    // The case is not restricted: lifting is a rule violation, after the role check.
                    (
                        .delete, "v1/cases/{id}/restriction", "/v1/cases/\(id)/restriction", #"{"reason": "x"}"#,
                        only("ig-officer", status: .unprocessableContent)
                    ),
                    (
                        .post, "v1/cases/{id}/restriction", "/v1/cases/\(UUID())/restriction", #"{"reason": "x"}"#,
                        only("ig-officer", status: .notFound)
                    ),
                    (.get, "v1/subject-requests", "/v1/subject-requests", nil, only("ig-officer", status: .ok)),
                    (.get, "v1/subject-requests/{request}", "/v1/subject-requests/sr-none", nil, only("ig-officer", status: .notFound)),
                    (
                        .post, "v1/subject-requests", "/v1/subject-requests", #"{"name": "Nobody", "kind": "access", "received_on": "2026-11-02"}"#,
                        only("ig-officer", status: .created)
                    ),
                    (
                        .post, "v1/subject-requests/{request}/extension", "/v1/subject-requests/sr-none/extension", #"{"grounds": "number"}"#,
                        only("ig-officer", status: .notFound)
                    ),
                    (
                        .post, "v1/subject-requests/{request}/erasure", "/v1/subject-requests/sr-none/erasure",
                        #"{"case_id": "x", "person_id": "y"}"#, only("ig-officer", status: .notFound)
                    ),
                    (
                        .post, "v1/subject-requests/{request}/restriction", "/v1/subject-requests/sr-none/restriction", #"{"case_id": "x"}"#,
                        only("ig-officer", status: .notFound)
                    ),
                    (
                        .delete, "v1/subject-requests/{request}/restriction", "/v1/subject-requests/sr-none/restriction", #"{"case_id": "x"}"#,
                        only("ig-officer", status: .notFound)
                    ),
                    (
                        .post, "v1/subject-requests/{request}/completion", "/v1/subject-requests/sr-none/completion", #"{"outcome": "refused"}"#,
                        only("ig-officer", status: .notFound)
                    ),
                    (.post, "v1/policies/reload", "/v1/policies/reload", nil, only("admin", status: .ok)),
                    (.get, "v1/retention/sweeps", "/v1/retention/sweeps", nil, only("admin", status: .ok)),
                    (.get, "v1/retention/sweeps/{id}", sweep, nil, only("admin", status: .ok)),
                    (.post, "v1/retention/sweeps", "/v1/retention/sweeps", #"{"dry_run": true}"#, only("admin", status: .accepted)),
                    (.post, "v1/cases/{id}/hold", "/v1/cases/\(id)/hold", #"{"reason": "Claim 2026/12"}"#, only("admin", status: .created)),
                    (.delete, "v1/cases/{id}/hold", "/v1/cases/\(id)/hold", nil, only("admin", status: .ok)),
                    (.get, "v1/disclosures", "/v1/disclosures", nil, only("ig-officer", "admin", status: .ok)),
                    (.get, "v1/cases/{id}/disclosures", "/v1/cases/\(id)/disclosures", nil, only("ig-officer", "admin", status: .ok)),
                    (.get, "v1/subjects/disclosures", "/v1/subjects/disclosures?name=Nobody%20Known", nil, only("ig-officer", "admin", status: .ok)),
                ]
                // The console takes no bearer tokens: whoever presents one, pages send it to sign in and posts are refused.
                // Its own principals (sessions) are in the console matrix below.
                let consoleRows = ConsoleMatrix.rows(caseID: id, sweepID: String(sweep.split(separator: "/").last!))
                #expect(
                    Set(rows.map { "\($0.0) \($0.1)" } + consoleRows.map { "\($0.method) \($0.route)" }) == fixture.routes.staff,
                    "every staff route has a row, and every row a route"
                )

                for (method, _, path, body, expected) in rows {
                    for principal in tokens.keys.sorted() {
                        let response = try await send(method, path, tokens[principal]!, body)
                        #expect(response.status == expected(principal), "\(method) \(path) as \(principal)")
                        if response.status.code >= 400 { #expect(response.headers[.contentType] == "application/problem+json") }
                    }
                }
                for row in consoleRows {
                    for principal in tokens.keys.sorted() {
                        let response = try await send(row.method, row.path, tokens[principal]!, nil)
                        #expect(response.status == row.expected("no session"), "\(row.method) \(row.path) with a bearer token as \(principal)")
                    }
                }
            }
        }
    }

    /// The status of one request on a fresh connection, or `.refused` when the handshake fails.
    static func outcome(
        _ makeClient: () throws -> TestClient,
        request: (TestClient) async throws -> TestClient.Response
    ) async -> Outcome {
        do {
            let client = try makeClient()
            return try await using(client) { .status(try await request($0).status) }
        } catch {
            return .refused
        }
    }

    @Test("console: each session principal (IG officer, admin, none, expired, signed out, forged) on every console route, over real sockets")
    func console() async throws {
        let fixture = try await GatewayFixture()
        let users = fixture.environment.users
        func session(_ role: StaffRole, expiresIn seconds: TimeInterval, end: Bool = false) async throws -> (cookie: String, csrf: String) {
            let (user, _) = try await users.add(name: "Console \(role.rawValue)", role: role)
            let (session, token) = StaffSession.start(userID: user.id, expiresAt: Date().addingTimeInterval(seconds))
            try await users.saveSession(session, secretHash: token.secretHash)
            if end { try await users.endSession(id: session.id) }
            return (session.token!, session.csrfToken)
        }
        let principals: [String: (cookie: String, csrf: String)?] = [
            "ig-officer session": try await session(.igOfficer, expiresIn: 600),
            "admin session": try await session(.admin, expiresIn: 600),
            "caseworker session": try await session(.caseworker, expiresIn: 600),
            "expired session": try await session(.igOfficer, expiresIn: -1),
            "signed-out session": try await session(.igOfficer, expiresIn: 600, end: true),
            "forged cookie": ("cgs_s000000000000_" + String(repeating: "A", count: 43), "x"),
            "no session": nil,
        ]
        var generator = DemoCaseGenerator(seed: 3, clock: fixture.environment.clock)
        let c = try await fixture.environment.cases.create(generator.makeCase())
        let sweep = SweepRecord(
            id: "sw-matrix",
            startedAt: Date(),
            finishedAt: Date(),
            state: "completed",
            dryRun: true,
            scheduleVersion: "sha256:0",
            startedBy: "u-admin",
            summary: nil
        )
        try await fixture.environment.storage.retention.saveSweep(sweep)
        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.staffClient()) { client in
                for row in ConsoleMatrix.rows(caseID: c.id.uuidString, sweepID: sweep.id, partyID: c.parties[0].id.uuidString) {
                    for principal in principals.keys.sorted() {
                        var headers: HTTPFields = [:]
                        var body: ByteBuffer?
                        if let credentials = principals[principal]! {
                            headers[.cookie] = "__Host-casegate_session=\(credentials.cookie)"
                            if row.method == .post {
                                headers[.contentType] = "application/x-www-form-urlencoded"
                                body = ByteBuffer(string: "csrf=\(credentials.csrf)")
                            }
                        }
                        let response = try await client.execute(.init(row.path, method: row.method, headers: headers, body: body))
                        #expect(response.status == row.expected(principal), "\(row.method) \(row.path) as \(principal)")
                    }
                }
            }
        }
    }
}

/// Every console route with the status each session principal gets.
enum ConsoleMatrix {
    struct Row {
        var method: HTTPRequest.Method
        var route: String
        var path: String
        var expected: (String) -> HTTPResponse.Status
    }

    static func rows(caseID: String, sweepID: String, partyID: String = UUID().uuidString) -> [Row] {
        /// IG officers and admins get `status`; a caseworker's session 403; no valid session: pages go to sign-in (303), posts 403.
        func signedIn(_ status: HTTPResponse.Status, post: Bool = false) -> (String) -> HTTPResponse.Status {
            { principal in
                switch principal {
                case "ig-officer session", "admin session": status
                case "caseworker session": .forbidden
                default: post ? .forbidden : .seeOther
                }
            }
        }
        /// The casework pages: a caseworker gets `status`; IG officers and admins 403; no valid session as above.
        func casework(_ status: HTTPResponse.Status, post: Bool = false) -> (String) -> HTTPResponse.Status {
            { principal in
                switch principal {
                case "caseworker session": status
                case "ig-officer session", "admin session": .forbidden
                default: post ? .forbidden : .seeOther
                }
            }
        }
        /// Retention actions: admins get `status`, every other principal 403 (posts only).
        func admin(_ status: HTTPResponse.Status) -> (String) -> HTTPResponse.Status {
            { principal in principal == "admin session" ? status : .forbidden }
        }
        let open: (String) -> HTTPResponse.Status = { _ in .ok }
        let caseworkRoot = "/casework/cases/\(caseID)"
        let pages = [
            "disclosures", "disclosures.csv", "disclosures.json", "subject-access", "subject-access.csv?name=Nobody", "ledger", "retention",
            "service-standards", "service-standards.csv", "community-trigger", "records-of-processing", "records-of-processing.csv",
            "publication-statistics", "publication-statistics.csv", "notices", "notices.csv", "requests", "requests.csv", "certificates", "users",
        ]
        return [
            Row(method: .get, route: "", path: "/", expected: { _ in .seeOther }),
            Row(method: .get, route: "console/assets/{file}", path: "/console/assets/console.css", expected: open),
            Row(method: .get, route: "console/sign-in", path: "/console/sign-in", expected: open),
            // No sign-in nonce cookie: refused whoever asks.
            Row(method: .post, route: "console/sign-in", path: "/console/sign-in", expected: { _ in .forbidden }),
            Row(method: .get, route: "console", path: "/console", expected: signedIn(.seeOther)),
            Row(method: .get, route: "console/ledger/entries/{index}", path: "/console/ledger/entries/0", expected: signedIn(.ok)),
            Row(method: .get, route: "console/cases/{id}/history", path: "/console/cases/\(caseID)/history", expected: signedIn(.ok)),
            Row(method: .post, route: "console/ledger/verify", path: "/console/ledger/verify", expected: signedIn(.seeOther, post: true)),
            Row(method: .get, route: "console/retention/sweeps/{id}", path: "/console/retention/sweeps/\(sweepID)", expected: signedIn(.ok)),
            // Starts a dry run; the matrix's sweep is not a dry run with a review, so its purge is 422.
            Row(method: .post, route: "console/retention/sweeps", path: "/console/retention/sweeps", expected: admin(.seeOther)),
            Row(
                method: .post,
                route: "console/retention/sweeps/{id}/purge",
                path: "/console/retention/sweeps/\(sweepID)/purge",
                expected: admin(.unprocessableContent)
            ),
        ]
            + pages.map { page in
                Row(method: .get, route: "console/" + String(page.prefix { $0 != "?" }), path: "/console/" + page, expected: signedIn(.ok))
            } + [
                Row(method: .get, route: "casework", path: "/casework", expected: casework(.seeOther)),
                Row(method: .get, route: "casework/cases", path: "/casework/cases", expected: casework(.ok)),
                Row(method: .get, route: "casework/cases/new", path: "/casework/cases/new", expected: casework(.ok)),
                Row(method: .get, route: "casework/cases/{id}", path: caseworkRoot, expected: casework(.ok)),
                Row(method: .get, route: "casework/cases/{id}/parties/{person}", path: "\(caseworkRoot)/parties/\(partyID)", expected: casework(.ok)),
                // Forms sent with nothing but the CSRF token: the page again with its errors (400), nothing written.
                Row(method: .post, route: "casework/cases", path: "/casework/cases", expected: casework(.badRequest, post: true)),
                Row(method: .post, route: "casework/cases/{id}/events", path: "\(caseworkRoot)/events", expected: casework(.badRequest, post: true)),
                Row(method: .post, route: "casework/cases/{id}/amend", path: "\(caseworkRoot)/amend", expected: casework(.badRequest, post: true)),
                Row(
                    method: .post,
                    route: "casework/cases/{id}/parties",
                    path: "\(caseworkRoot)/parties",
                    expected: casework(.badRequest, post: true)
                ),
                Row(
                    method: .post,
                    route: "casework/cases/{id}/parties/{person}",
                    path: "\(caseworkRoot)/parties/\(partyID)",
                    expected: casework(.badRequest, post: true)
                ),
                Row(
                    method: .post,
                    route: "casework/cases/{id}/parties/{person}/remove",
                    path: "\(caseworkRoot)/parties/\(partyID)/remove",
                    expected: casework(.badRequest, post: true)
                ),
                // Last: it ends the sessions. Any role's session may sign out.
                Row(
                    method: .post,
                    route: "console/sign-out",
                    path: "/console/sign-out",
                    expected: { principal in
                        ["ig-officer session", "admin session", "caseworker session"].contains(principal) ? .seeOther : .forbidden
                    }
                ),
            ]
    }
}
