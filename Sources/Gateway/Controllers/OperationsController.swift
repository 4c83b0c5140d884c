import Foundation
import Hummingbird
import Ledger

/// The operations listener's routes: `GET /metrics` in the Prometheus text format (version 0.0.4),
/// written by swift-prometheus from the process's registry.
struct OperationsController {
    let ledger: Ledger
    let certificates: CertificateExpiry

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("metrics", use: metrics)
        return router
    }

    @Sendable func metrics(_ request: Request, context: BasicRequestContext) async throws -> Response {
        GatewayMetrics.refresh(
            ledgerSize: ledger.size,
            checkpointAge: ledger.lastCheckpointAt.map { Date().timeIntervalSince($0) },
            version: BuildInfo.version,
            commit: BuildInfo.commit,
            certificatesExpireIn: certificates.secondsLeft(now: Date())
        )
        var bytes: [UInt8] = []
        GatewayMetrics.registry.emit(into: &bytes)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
