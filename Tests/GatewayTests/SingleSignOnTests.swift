import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import Ledger
import Storage
import Testing

@testable import Gateway

/// Single sign-on against a real OpenID Connect provider (`oidc-provider-mock`): the code flow with PKCE
/// and a nonce, users created on first sign-in or known in advance, roles from the groups claim, and each
/// bad answer refused with its reason and a ledger entry.
@Suite("Single sign-on (OpenID Connect)")
struct SingleSignOnTests {
    static let roles: [String: StaffRole] = ["casegate-caseworkers": .caseworker, "casegate-ig": .igOfficer, "casegate-admins": .admin]

    /// The client secret the provider issued, in a file as in production (the mock takes any). One name
    /// for every run, written atomically with the same text, so runs do not leave a file each behind.
    static let secretFile: String = {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-oidc-test-secret")
        try? "s3cret-from-the-provider\n".write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }()

    static func settings(_ issuer: String, createUsers: Bool = true) -> SingleSignOnSettings {
        SingleSignOnSettings(
            issuer: issuer,
            clientID: "casegate-test",
            clientSecretFile: secretFile,
            redirectURI: "https://localhost/console/sso/callback",
            roles: roles,
            createUsers: createUsers
        )
    }

    static func provider() async throws -> OIDCProviderMock {
        try await OIDCProviderMock(users: [
            "iris": ["name": "Iris Officer", "groups": ["casegate-ig", "staff"]],
            "carl": ["name": "Carl Worker", "groups": ["casegate-caseworkers"]],
            "nora": ["name": "No Role", "groups": ["staff"]],
            "dual": ["name": "Two Roles", "groups": ["casegate-ig", "casegate-admins"]],
        ])
    }

    /// One browser's sign-in: start, the provider's form, the callback. The callback's response and the cookies.
    static func signIn(
        _ sub: String,
        provider: OIDCProviderMock,
        gateway: RoutedGateway,
        tamper: (inout URLComponents) -> Void = { _ in }
    ) async throws -> (TestClient.Response, String) {
        let start = try await gateway.staff { try await $0.execute(.init("/console/sso/start", method: .get)) }
        #expect(start.status == .seeOther)
        let location = try #require(start.headers[.location])
        let setCookie = try #require(start.headers[.setCookie])
        // A __Host- cookie must have Path=/ and Secure, or browsers drop it.
        #expect(setCookie.hasPrefix("__Host-") && setCookie.contains("Path=/;") && setCookie.contains("Secure") && setCookie.contains("SameSite=Lax"))
        let flow = setCookie.split(separator: ";")[0]
        #expect(location.contains("code_challenge_method=S256") && location.contains("nonce=") && location.contains("client_id=casegate-test"))
        var callback = try await provider.authorize(location, sub: sub)
        tamper(&callback)
        let path = "/console/sso/callback?" + (callback.percentEncodedQuery ?? "")
        let response = try await gateway.staff { try await $0.execute(.init(path, method: .get, headers: [.cookie: String(flow)])) }
        let session = response.headers[values: .setCookie].first { $0.hasPrefix("__Host-casegate_session=") }?.split(separator: ";")[0]
        return (response, session.map(String.init) ?? "")
    }

    @Test("a user signs in through the provider: created on first sign-in with the role from their groups, a session, a ledger entry")
    func signsIn() async throws {
        let provider = try await Self.provider()
        let fixture = try await GatewayFixture(singleSignOn: Self.settings(provider.issuer), tokenSignIn: false)
        try await fixture.withRouters { gateway in
            let form = try await gateway.staff { try await $0.execute(.init("/console/sign-in", method: .get)) }
            let page = String(buffer: try #require(form.body))
            #expect(page.contains("/console/sso/start") && !page.contains("Personal token"), "token sign-in turned off")

            let (response, session) = try await Self.signIn("iris", provider: provider, gateway: gateway)
            let landing = String(buffer: try #require(response.body))
            #expect(response.status == .ok && landing.contains("0;url=/console/disclosures"))
            #expect(!session.isEmpty)
            let console = try await gateway.staff { try await $0.execute(.init("/console/disclosures", method: .get, headers: [.cookie: session])) }
            #expect(console.status == .ok)
            let user = try #require(try await fixture.environment.users.user(subject: "iris"))
            #expect(user.role == .igOfficer && user.name == "Iris Officer")
            #expect(try await fixture.environment.users.list().count == 1)

            // A second sign-in finds the same user; a caseworker lands on the casework pages.
            _ = try await Self.signIn("iris", provider: provider, gateway: gateway)
            #expect(try await fixture.environment.users.list().count == 1)
            let (casework, _) = try await Self.signIn("carl", provider: provider, gateway: gateway)
            let caseworkLanding = String(buffer: try #require(casework.body))
            #expect(caseworkLanding.contains("0;url=/casework/cases"))
        }
        let entries = try await fixture.environment.storage.ledger.entries(from: 0, limit: 100).map { try $0.decoded() }
        let signIns = entries.filter { $0.action == .signIn }
        #expect(signIns.count == 3 && signIns.allSatisfy { $0.details?["method"] == "oidc" })
    }

    @Test("refused: no role, several roles, a forged state, the provider's error, an unknown user when users are not created; each in the ledger")
    func refusals() async throws {
        let provider = try await Self.provider()
        let fixture = try await GatewayFixture(singleSignOn: Self.settings(provider.issuer, createUsers: false))
        let (known, _) = try await fixture.environment.users.add(name: "Carl Worker", role: .caseworker)
        #expect(try await fixture.environment.users.link(subject: "carl", to: known.id))
        try await fixture.withRouters { gateway in
            let (noRole, _) = try await Self.signIn("nora", provider: provider, gateway: gateway)
            let noRolePage = String(buffer: try #require(noRole.body))
            #expect(noRole.status == .forbidden && noRolePage.contains("no casegate role"))
            let (dual, _) = try await Self.signIn("dual", provider: provider, gateway: gateway)
            let dualPage = String(buffer: try #require(dual.body))
            #expect(dual.status == .forbidden && dualPage.contains("several casegate roles"))
            let (unknown, _) = try await Self.signIn("iris", provider: provider, gateway: gateway)
            let unknownPage = String(buffer: try #require(unknown.body))
            #expect(unknown.status == .forbidden && unknownPage.contains("not set up in casegate"))
            let (forged, _) = try await Self.signIn("carl", provider: provider, gateway: gateway) { callback in
                callback.queryItems = callback.queryItems?.map { $0.name == "state" ? URLQueryItem(name: "state", value: "forged") : $0 }
            }
            #expect(forged.status == .badRequest)
            let (denied, _) = try await Self.signIn("carl", provider: provider, gateway: gateway) { callback in
                let state = callback.queryItems?.first { $0.name == "state" }
                callback.queryItems = [URLQueryItem(name: "error", value: "access_denied"), state!]
            }
            #expect(denied.status == .forbidden)
            // Known in advance: signs in, and the provider's groups set the role.
            let (linked, session) = try await Self.signIn("carl", provider: provider, gateway: gateway)
            #expect(linked.status == .ok && !session.isEmpty)
        }
        let refusals = try await fixture.environment.storage.ledger.entries(from: 0, limit: 100).map { try $0.decoded() }
            .filter { $0.action == .signInRefused }.compactMap { $0.details?["reason"] }
        #expect(refusals == ["no-role", "ambiguous-role", "unknown-user", "state", "provider-error"])
    }

    @Test("the ID token checks: a wrong signature, issuer, audience or nonce, or an expired token, each refused by name")
    func tokenChecks() async throws {
        let key = ES256PrivateKey()
        let keys = await JWTKeyCollection().add(ecdsa: key, kid: "k1")
        let settings = Self.settings("https://login.example.gov.uk")
        let discovery = IdentityProvider.Discovery(
            issuer: settings.issuer,
            authorizationEndpoint: "https://login.example.gov.uk/authorize",
            tokenEndpoint: "https://login.example.gov.uk/token",
            jwksURI: "https://login.example.gov.uk/jwks"
        )
        let provider = try IdentityProvider(settings: settings, known: (discovery, keys))
        let now = Date()
        func token(
            iss: String = settings.issuer,
            aud: String = "casegate-test",
            exp: Date? = nil,
            nonce: String = "n1",
            with signer: JWTKeyCollection? = nil
        ) async throws
            -> String
        {
            let claims = IDTokenClaims(
                iss: .init(value: iss),
                sub: .init(value: "iris"),
                aud: .init(value: [aud]),
                exp: .init(value: exp ?? now.addingTimeInterval(300)),
                nonce: nonce,
                name: "Iris"
            )
            return try await (signer ?? keys).sign(claims, kid: "k1")
        }
        let (claims, _) = try await provider.verify(try await token(), nonce: "n1", now: now)
        #expect(claims.sub.value == "iris")
        let forger = await JWTKeyCollection().add(ecdsa: ES256PrivateKey(), kid: "k1")
        let cases: [(String, String, SignOnRefusal)] = [
            (try await token(with: forger), "n1", .signature),
            (try await token(iss: "https://evil.example"), "n1", .issuer("https://evil.example")),
            (try await token(aud: "someone-else"), "n1", .audience),
            (try await token(exp: now.addingTimeInterval(-120)), "n1", .expired),
            (try await token(nonce: "n2"), "n1", .nonce),
            ("not.a.token", "n1", .signature),
        ]
        for (token, nonce, refusal) in cases {
            await #expect(throws: refusal) { _ = try await provider.verify(token, nonce: nonce, now: now) }
        }
    }
}
