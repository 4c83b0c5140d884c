import Foundation
import Hummingbird

/// One log line per request: method, path, status, duration. Query strings are
/// left out because they can carry personal data (names in searches).
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "ms": .string(Self.milliseconds(elapsed)),
            ]
        )
        return response
    }

    /// "12.34": two decimals, without a Foundation formatter on every request.
    static func milliseconds(_ d: Duration) -> String {
        let hundredths = d.components.seconds * 100_000 + d.components.attoseconds / 10_000_000_000_000
        let ms = hundredths / 100
        let fraction = hundredths % 100
        return "\(ms).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
