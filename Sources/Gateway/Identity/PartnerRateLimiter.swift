import Foundation
import Hummingbird
import Synchronization

/// A token bucket per partner (all of its certificates together): `burst` requests at once, refilled
/// at `requestsPerSecond`. One partner's runaway poller cannot starve the others.
public final class PartnerRateLimiter: Sendable {
    public let limit: GatewayConfiguration.RateLimit
    private let buckets = Mutex<[String: Bucket]>([:])

    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    public init(limit: GatewayConfiguration.RateLimit) {
        self.limit = limit
    }

    /// Takes one request's token; returns how long to wait when there is none.
    public func take(partner: String, now: ContinuousClock.Instant = .now) -> Duration? {
        let rate = limit.requestsPerSecond
        let burst = Double(limit.burst)
        return buckets.withLock { buckets in
            var bucket = buckets[partner] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            bucket.tokens = min(burst, bucket.tokens + rate * elapsed.inSeconds)
            bucket.updated = now
            defer { buckets[partner] = bucket }
            guard bucket.tokens >= 1 else { return .seconds((1 - bucket.tokens) / rate) }
            bucket.tokens -= 1
            return nil
        }
    }
}

/// 429 with `Retry-After` (whole seconds, rounded up) when a partner is over its rate.
struct PartnerRateLimitMiddleware: RouterMiddleware {
    typealias Context = PartnerRequestContext
    let limiter: PartnerRateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let partner = context.partner?.partner.id else { return try await next(request, context) }
        if let wait = limiter.take(partner: partner) {
            let retryAfter = max(1, Int(wait.inSeconds.rounded(.up)))
            GatewayMetrics.refused(.rateLimited)
            context.logger.notice("partner over its request rate", metadata: ["retry_after": "\(retryAfter)"])
            throw Problem(
                .tooManyRequests,
                type: "rate-limited",
                detail: "more than \(limit) requests; retry after \(retryAfter) s",
                headers: [.retryAfter: String(retryAfter)]
            )
        }
        return try await next(request, context)
    }

    private var limit: String {
        "\(limiter.limit.burst) at once or \(limiter.limit.requestsPerSecond.formatted()) a second"
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
