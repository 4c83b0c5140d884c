import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// TLS for the partner listener: as Hummingbird's `TLSChannel`, but each connection's handler gets a
/// verification callback that knows the peer's address, so a refused certificate is logged with it; and
/// each connection's requests share one `ConnectionCertificate`.
struct PartnerTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let context: NIOSSLContext
    let verifier: PartnerHandshakeVerifier

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let peer = channel.remoteAddress?.ipAddress ?? "unknown"
            let handler = NIOSSLServerHandler(
                context: context,
                customVerificationCallback: verifier.callback(peer: peer, listener: "partner"),
                configuration: .init()
            )
            try channel.pipeline.syncOperations.addHandler(handler)
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await ConnectionCertificate.$current.withValue(ConnectionCertificate()) {
            await base.handle(value: value, logger: logger)
        }
    }
}

extension PartnerTLSChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}
