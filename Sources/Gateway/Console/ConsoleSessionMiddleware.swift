import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Staff pages need a signed-in session of one of the roles they are for: the IG console an IG officer or an
/// admin, the casework pages a caseworker. Without a session, a page request is sent to the sign-in page;
/// any other request gets 403. Every POST must carry the session's CSRF token in its form.
struct ConsoleSessionMiddleware: RouterMiddleware {
    typealias Context = StaffRequestContext
    static let cookieName = "__Host-casegate_session"
    let users: any UserStore
    let now: @Sendable () -> Date
    /// The roles these pages are for, and how to name them in a refusal.
    var roles: Set<StaffRole> = [.igOfficer, .admin]
    var pages = "the console is for the ig-officer and admin roles"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let cookie = request.cookies[Self.cookieName]?.value,
            let (user, session) = try await users.session(token: cookie, now: now())
        else {
            if request.method == .get || request.method == .head {
                return Response(status: .seeOther, headers: [.location: "/console/sign-in", .setCookie: ConsoleCookies.expired(Self.cookieName)])
            }
            throw Problem.forbidden("sign in to the console first")
        }
        guard roles.contains(user.role) else {
            throw Problem.forbidden("\(pages); you are \(user.role.rawValue)")
        }
        var context = context
        context.user = user
        context.session = session
        context.logger[metadataKey: "staff"] = .string(user.id)
        return try await next(request, context)
    }
}

/// Reads a POSTed form (application/x-www-form-urlencoded), bounded in size.
enum ConsoleForm {
    static func read(_ request: Request, limit: Int = 64 * 1024) async throws -> [String: String] {
        let text = String(buffer: try await request.body.collect(upTo: limit))
        guard !text.isEmpty else { return [:] }
        do {
            return try URLEncodedFormDecoder().decode([String: String].self, from: text)
        } catch {
            throw Problem.badRequest("the form could not be read")
        }
    }

    /// The form's CSRF token must be the session's.
    static func requireCSRF(_ fields: [String: String], context: StaffRequestContext) throws {
        guard let expected = context.session?.csrfToken, let given = fields["csrf"],
            constantTimeEqual(Array(expected.utf8), Array(given.utf8))
        else {
            throw Problem.forbidden("the form's CSRF token is missing or wrong; reload the page and try again")
        }
    }
}

/// Cookie attributes: Secure, HttpOnly, SameSite=Strict, host-only (`__Host-` prefix), path /.
enum ConsoleCookies {
    static func set(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); Secure; HttpOnly; SameSite=Strict"
    }

    static func expired(_ name: String) -> String {
        "\(name)=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict"
    }
}
