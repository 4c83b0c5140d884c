import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// The witness as a running HTTP service: plain HTTP (on loopback, or behind a TLS-terminating bastion) or
/// HTTPS with the given server configuration.
public enum WitnessServer {
    public static func application(
        witness: Witness,
        host: String,
        port: Int,
        tls: TLSConfiguration?,
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = Router()
        WitnessRoutes(witness: witness).addRoutes(to: router)
        let server: HTTPServerBuilder = try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "casegate-witness"),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }
}
