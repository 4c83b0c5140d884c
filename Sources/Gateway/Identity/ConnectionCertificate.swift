import NIOCore
import NIOSSL
import Synchronization

/// One partner connection's client certificate, read from its TLS handler on the connection's first
/// request and kept for the rest. Reading it costs a hop to the channel's event loop and back, which on
/// every request was two thread wake-ups for nothing: a connection's peer certificate cannot change once
/// the handshake is done (BoringSSL servers refuse renegotiation, and no post-handshake authentication is
/// requested). Whether that certificate still names a partner is decided afresh on every request.
final class ConnectionCertificate: Sendable {
    /// The connection the current task serves; `PartnerTLSChannel` sets it around each connection's task.
    @TaskLocal static var current: ConnectionCertificate?

    private let der = Mutex<[UInt8]?>(nil)

    /// The certificate's DER bytes, or nil when the peer presented none (not remembered: a request without
    /// one is refused, and the next may not come).
    func read(from channel: any Channel) async throws -> [UInt8]? {
        if let der = der.withLock({ $0 }) { return der }
        guard let der = try await Self.readFromTLS(channel) else { return nil }
        self.der.withLock { $0 = der }
        return der
    }

    static func readFromTLS(_ channel: any Channel) async throws -> [UInt8]? {
        guard let certificate = try await channel.nioSSL_peerCertificate().get() else { return nil }
        return try certificate.toDERBytes()
    }
}
