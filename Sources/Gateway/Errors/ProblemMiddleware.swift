import CaseModel
import Hummingbird
import NIOCore
import Storage

/// Turns every error a handler or the router throws into a problem+json
/// response, so no error reaches a client in any other shape. Unexpected
/// errors are logged by type only and answered with a bare 500.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.problem(for: error, context: context).response(from: request, context: context)
        }
    }

    static func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case is NIOTooManyBytesError:
            return Problem(.contentTooLarge, type: "body-too-large", detail: "the request body is larger than this server accepts")
        case let violation as CaseRuleViolation:
            return .unprocessable(violation.description)
        case let storage as StorageError:
            switch storage {
            case .notFound: return .notFound("no such case")
            case .invalidCursor: return .badRequest(storage.description)
            case .unavailable:
                context.logger.error("storage unavailable", metadata: ["error": "\(storage)"])
                return .unavailable("the case store cannot be reached or written just now; nothing was changed")
            case .dataKeyMissing, .corrupt, .masterKey, .newerSchema, .keyDatabase:
                context.logger.error("storage integrity failure", metadata: ["error": "\(storage)"])
                return Problem(.internalServerError, type: "internal", detail: "the record could not be read")
            }
        case let http as HTTPError:
            return Problem(
                http.status,
                type: http.status == .notFound ? "not-found" : "http-\(http.status.code)",
                detail: http.body ?? http.status.reasonPhrase,
                headers: http.headers
            )
        case let response as any HTTPResponseError:
            return Problem(response.status, type: "http-\(response.status.code)", detail: response.status.reasonPhrase)
        default:
            context.logger.error("unhandled error", metadata: ["error.type": "\(type(of: error))"])
            return Problem(.internalServerError, type: "internal", detail: "an internal error occurred; it has been logged")
        }
    }
}
