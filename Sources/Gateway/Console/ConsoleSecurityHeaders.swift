import HTTPTypes
import Hummingbird

/// Headers on every console response: a strict Content-Security-Policy (no scripts at all, styles
/// only from our own stylesheet, forms only to ourselves, never framed), no caching, no referrer.
/// Errors become HTML pages here (the API's problem+json is for machines).
struct ConsoleSecurityHeaders: RouterMiddleware {
    typealias Context = StaffRequestContext
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let problem = ProblemMiddleware<Context>.problem(for: error, context: context)
            if let page = try? ConsoleTemplates.page(
                "error",
                title: problem.title,
                ["detail": problem.detail],
                context: context,
                status: problem.status
            ) {
                response = page
            } else {
                response = try problem.response(from: request, context: context)
            }
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
