import Foundation
import X509

/// When the certificates the gateway serves with expire: the server certificate and the partner CA, read
/// from the configured PEM files, so an alert can fire well before partners' handshakes start failing.
struct CertificateExpiry: Sendable {
    /// By role (`server`, `partner_ca`): the end of each certificate's validity.
    let notValidAfter: [String: Date]

    init(_ files: GatewayConfiguration.TLSFiles) {
        var dates: [String: Date] = [:]
        for (role, path) in [("server", files.certificate), ("partner_ca", files.partnerCA)] {
            // The listeners refuse to start on an unreadable file; here a missing date only leaves the metric out.
            guard let text = try? String(contentsOfFile: path, encoding: .utf8), let certificate = try? Certificate(pemEncoded: text)
            else { continue }
            dates[role] = certificate.notValidAfter
        }
        notValidAfter = dates
    }

    /// Seconds left, by role (negative once expired).
    func secondsLeft(now: Date) -> [String: Double] {
        notValidAfter.mapValues { $0.timeIntervalSince(now) }
    }
}
