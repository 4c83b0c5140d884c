import ByteEncoding
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Logging
import Storage

/// Single sign-on for the console and casework pages (OpenID Connect, authorization code flow with PKCE):
/// `/console/sso/start` sends the browser to the council's identity provider with a fresh state, nonce and
/// code verifier (kept in a short-lived cookie); `/console/sso/callback` checks the state, exchanges the code,
/// checks the ID token (`IdentityProvider`), finds the user by the provider's subject (or creates them, when
/// configured), takes the role from the configured claim, and starts a session. Every sign-in and refusal
/// is a ledger entry.
struct SingleSignOnController {
    let provider: IdentityProvider
    let users: any UserStore
    let audit: Audit
    let signIn: SignInController
    let now: @Sendable () -> Date
    static let flowCookie = "__Host-casegate_sso"

    func addRoutes(to console: RouterGroup<StaffRequestContext>) {
        console.get("sso/start", use: start)
        console.get("sso/callback", use: callback)
    }

    @Sendable func start(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let (state, nonce, verifier) = (Self.random(), Self.random(), Self.random())
        let location: String
        do { location = try await provider.authorizationURL(state: state, nonce: nonce, verifier: verifier) } catch {
            context.logger.error("single sign-on unavailable", metadata: ["reason": .string("\(error)")])
            return try signIn.page(context: context, error: "The council's sign-in service cannot be reached just now.", status: .badGateway)
        }
        // SameSite=Lax: the provider's redirect back is a cross-site top-level GET, which must carry it.
        let cookie = "\(Self.flowCookie)=\(state).\(nonce).\(verifier); Path=/; Max-Age=600; Secure; HttpOnly; SameSite=Lax"
        return Response(status: .seeOther, headers: [.location: location, .setCookie: cookie])
    }

    @Sendable func callback(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let parts = request.cookies[Self.flowCookie]?.value.split(separator: ".").map(String.init) ?? []
        let identity: SignedInIdentity
        do {
            guard parts.count == 3, let returned = query["state"].map(String.init),
                constantTimeEqual(Data(returned.utf8), Data(parts[0].utf8))
            else { throw SignOnRefusal.state }
            if let error = query["error"] { throw SignOnRefusal.provider(String(error)) }
            guard let code = query["code"].map(String.init), !code.isEmpty else { throw SignOnRefusal.provider("no code") }
            identity = try await provider.signIn(code: code, verifier: parts[2], nonce: parts[1], now: now())
        } catch let refusal as SignOnRefusal {
            return try await refuse(refusal, userID: nil, context: context)
        }
        let user: StaffUser
        if let linked = try await users.user(subject: identity.subject) {
            guard linked.revokedAt == nil else { return try await refuse(.revoked, userID: linked.id, context: context) }
            if linked.role != identity.role { try await users.setRole(identity.role, for: linked.id) }
            var current = linked
            current.role = identity.role
            user = current
        } else if provider.settings.createUsers {
            // A user made here signs in only through the provider: their token is never shown, and already expired.
            let (created, _) = try await users.add(name: identity.name, role: identity.role, tokenExpiresAt: now())
            guard try await users.link(subject: identity.subject, to: created.id) else {
                return try await refuse(.unknownUser, userID: created.id, context: context)
            }
            user = created
            context.logger.notice("user created on first single sign-on", metadata: ["staff": .string(user.id), "role": .string(user.role.rawValue)])
        } else {
            return try await refuse(.unknownUser, userID: nil, context: context)
        }
        var headers = try await signIn.startSession(for: user, method: "oidc", context: context)
        headers.append(HTTPField(name: .setCookie, value: "\(Self.flowCookie)=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax"))
        let home = SignInController.home(user.role)
        var response = try ConsoleTemplates.page(
            "signed-in",
            title: "Signed in",
            ["name": user.name, "role": user.role.rawValue, "home": home],
            context: context,
            continueTo: home
        )
        for field in headers { response.headers.append(field) }
        return response
    }

    /// The sign-in page with the reason, and a `sign-in-refused` entry (the user when known; never a token).
    private func refuse(_ refusal: SignOnRefusal, userID: String?, context: StaffRequestContext) async throws -> Response {
        context.logger.warning("single sign-on refused", metadata: ["reason": .string(refusal.reason), "staff": .string(userID ?? "-")])
        try await audit.signInRefused(userID: userID, method: "oidc", reason: refusal.reason, requestID: context.requestID)
        let status: HTTPResponse.Status =
            switch refusal {
            case .discovery, .tokenExchange: .badGateway
            case .state: .badRequest
            default: .forbidden
            }
        return try signIn.page(context: context, error: "Sign-in refused: \(refusal.description).", status: status)
    }

    /// 32 random bytes, base64url: a state, a nonce, or a PKCE code verifier (43 characters, RFC 7636 §4.1).
    static func random() -> String {
        var rng = SystemRandomNumberGenerator()
        return IdentityProvider.base64URL(Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }))
    }
}
