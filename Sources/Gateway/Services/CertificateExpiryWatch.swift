import Foundation
import Logging
import ServiceLifecycle

/// Logs, at start and then once a day, each certificate that expires within 30 days or has expired (its
/// role, partner, subject and date: no key material), so an operator's log alerting sees it in time.
struct CertificateExpiryWatch: Service {
    let tls: GatewayConfiguration.TLSFiles
    let policies: PolicyStore
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                check(now: Date())
                try? await Task.sleep(for: .seconds(86400))
            }
        }
    }

    func check(now: Date) {
        let inventory = CertificateInventory(tls, policies: policies)
        for entry in inventory.expiringSoon(at: now) {
            logger.warning(
                entry.daysLeft(at: now) < 0 ? "certificate expired" : "certificate expires within 30 days",
                metadata: [
                    "role": .string(entry.role.rawValue), "partner": .string(entry.partner ?? "-"), "subject": .string(entry.subject),
                    "not_valid_after": .string(ISO8601DateFormatter().string(from: entry.notValidAfter)),
                    "days_left": .stringConvertible(entry.daysLeft(at: now)),
                ]
            )
        }
    }
}
