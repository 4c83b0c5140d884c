import ByteEncoding
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Sign-in with a personal token, exchanged for a session cookie; sign-out. The sign-in form is
/// protected from login CSRF by a double-submit cookie. IG officers and admins land on the console,
/// caseworkers on the casework pages; each signs in to those pages and no others.
struct SignInController {
    let users: any UserStore
    let audit: Audit
    let sessionLifetime: TimeInterval
    let now: @Sendable () -> Date
    /// Personal tokens at sign-in (development); off when single sign-on is the only way in.
    var tokenSignIn = true
    /// The provider's name on the sign-in button, when single sign-on is configured.
    var singleSignOn: String? = nil
    static let signInCookie = "__Host-casegate_signin"

    /// Where each role lands after signing in.
    static func home(_ role: StaffRole) -> String {
        role == .caseworker ? "/casework/cases" : "/console/disclosures"
    }

    func addRoutes(open: RouterGroup<StaffRequestContext>, signedIn: RouterGroup<StaffRequestContext>) {
        open.get("sign-in", use: form)
        open.post("sign-in", use: signIn)
        signedIn.post("sign-out", use: signOut)
    }

    @Sendable func form(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try page(context: context, error: nil, status: .ok)
    }

    func page(context: StaffRequestContext, error: String?, status: HTTPResponse.Status) throws -> Response {
        let nonce = StaffToken.generateSession().secretHash.hexString
        var page: [String: Any] = ["nonce": nonce]
        if let error { page["error"] = error }
        if tokenSignIn { page["tokenSignIn"] = true }
        if let singleSignOn { page["singleSignOn"] = singleSignOn }
        var response = try ConsoleTemplates.page("sign-in", title: "Sign in", page, context: context, status: status)
        response.headers[.setCookie] = ConsoleCookies.set(Self.signInCookie, nonce, maxAge: 1800)
        return response
    }

    @Sendable func signIn(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let fields = try await ConsoleForm.read(request)
        guard let nonce = fields["nonce"], let cookie = request.cookies[Self.signInCookie]?.value,
            constantTimeEqual(Array(nonce.utf8), Array(cookie.utf8))
        else {
            return try page(context: context, error: "The sign-in form had expired. Please try again.", status: .forbidden)
        }
        guard tokenSignIn else {
            return try page(context: context, error: "Signing in with a token is turned off here; use your council account.", status: .forbidden)
        }
        let token = (fields["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let user: StaffUser
        switch try await users.check(token: token, now: now()) {
        case .valid(let valid):
            user = valid
        case .invalid:
            // The user id a well-formed token names, never the token itself.
            try await audit.signInRefused(
                userID: StaffToken(parsing: token)?.userID,
                method: "token",
                reason: "invalid",
                requestID: context.requestID
            )
            return try page(context: context, error: "That token is not valid, or has been revoked.", status: .unauthorized)
        case .expired(let expired, let at):
            try await audit.signInRefused(userID: expired.id, method: "token", reason: "expired", requestID: context.requestID)
            let day = ISO8601DateFormatter().string(from: at)
            return try page(context: context, error: "That token expired on \(day). Ask an admin for a new one.", status: .unauthorized)
        }

        var headers = try await startSession(for: user, method: "token", context: context)
        headers[.location] = Self.home(user.role)
        return Response(status: .seeOther, headers: headers)
    }

    /// A session for a user who has proved who they are, with its `sign-in` ledger entry: the cookies to set.
    func startSession(for user: StaffUser, method: String, context: StaffRequestContext) async throws -> HTTPFields {
        let (session, secret) = StaffSession.start(userID: user.id, expiresAt: now().addingTimeInterval(sessionLifetime))
        try await users.saveSession(session, secretHash: secret.secretHash)
        try await audit.staff(user, .signIn, caseIDs: [], requestID: context.requestID, details: ["method": method])
        var headers: HTTPFields = [:]
        headers.append(
            HTTPField(name: .setCookie, value: ConsoleCookies.set(ConsoleSessionMiddleware.cookieName, secret.text, maxAge: Int(sessionLifetime)))
        )
        headers.append(HTTPField(name: .setCookie, value: ConsoleCookies.expired(Self.signInCookie)))
        return headers
    }

    @Sendable func signOut(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try ConsoleForm.requireCSRF(try await ConsoleForm.read(request), context: context)
        if let session = context.session { try await users.endSession(id: session.id) }
        return Response(
            status: .seeOther,
            headers: [.location: "/console/sign-in", .setCookie: ConsoleCookies.expired(ConsoleSessionMiddleware.cookieName)]
        )
    }
}
