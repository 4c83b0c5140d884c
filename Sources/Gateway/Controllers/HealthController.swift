import Hummingbird

/// `GET /healthz` (the process is up) and `GET /readyz` (it can serve: stores answer; with the build's
/// version and commit, so a rollout can see which build answers).
struct HealthController<Context: RequestContext> {
    let isReady: @Sendable () async -> Bool

    func addRoutes(to router: Router<Context>) {
        router.get("healthz") { _, _ in Status(status: "ok") }
        router.get("readyz") { _, _ in
            guard await isReady() else { throw Problem.unavailable("the case store is not answering") }
            return Ready(status: "ready", version: BuildInfo.version, commit: BuildInfo.commit)
        }
    }

    struct Status: ResponseEncodable {
        var status: String
    }

    struct Ready: ResponseEncodable {
        var status: String
        var version: String
        var commit: String
    }
}
