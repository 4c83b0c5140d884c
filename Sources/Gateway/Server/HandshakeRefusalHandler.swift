import Logging
import NIOCore
import NIOSSL

/// Counts and logs refused TLS handshakes, which otherwise end silently inside swift-nio-ssl: the reason
/// and the peer's address only, never a certificate's contents.
final class HandshakeRefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Never

    private let listener: String
    private let logger: Logger
    /// Certificate refusals are counted where they are decided (`PartnerHandshakeVerifier`), with their reason.
    private let certificatesCheckedElsewhere: Bool

    init(listener: String, logger: Logger, certificatesCheckedElsewhere: Bool = false) {
        self.listener = listener
        self.logger = logger
        self.certificatesCheckedElsewhere = certificatesCheckedElsewhere
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .handshakeFailed(let failure) = error as? NIOSSLError {
            let reason = Self.reason(String(describing: failure))
            if reason == .certificateRejected && certificatesCheckedElsewhere {
                context.fireErrorCaught(error)
                return
            }
            GatewayMetrics.handshakeRefused(listener: listener, reason)
            logger.notice(
                "TLS handshake refused",
                metadata: [
                    "listener": .string(listener), "reason": .string(reason.rawValue),
                    "peer": .string(context.channel.remoteAddress?.ipAddress ?? "unknown"),
                ]
            )
        }
        context.fireErrorCaught(error)
    }

    /// BoringSSL's reason, from its error text.
    static func reason(_ text: String) -> GatewayMetrics.HandshakeRefusal {
        if text.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") { return .noCertificate }
        if text.contains("CERTIFICATE_VERIFY_FAILED") { return .certificateRejected }
        if text.contains("PROTOCOL_VERSION") || text.contains("UNSUPPORTED_PROTOCOL") || text.contains("WRONG_VERSION") {
            return .protocolVersion
        }
        return .other
    }
}
