import Hummingbird

/// `GET /healthz` (the process is up) and `GET /readyz` (it can serve: stores answer).
struct HealthController<Context: RequestContext> {
    let isReady: @Sendable () async -> Bool

    func addRoutes(to router: Router<Context>) {
        router.get("healthz") { _, _ in Status(status: "ok") }
        router.get("readyz") { _, _ in
            guard await isReady() else { throw Problem.unavailable("the case store is not answering") }
            return Status(status: "ready")
        }
    }

    struct Status: ResponseEncodable {
        var status: String
    }
}
