import CoreMetrics
import Foundation
import Ledger
import Metrics
import Prometheus

/// The gateway's metrics: swift-metrics handles backed by one Prometheus registry for the process,
/// served in the Prometheus text format on the operations listener (`OperationsListener`).
///
/// Label values are only listener names, route patterns, methods, statuses, partner and purpose ids
/// and fixed reasons: never a case id, reference, name, token or certificate detail.
public enum GatewayMetrics {
    /// The registry swift-metrics is bootstrapped with. `MetricsSystem.bootstrap` may be called once a
    /// process, so this is made once; until it is, every handle is a no-op (metrics off).
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        // An append's parts take tenths of a millisecond on a good day: its three timers from 50 µs.
        let ledgerBuckets: [Duration] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5),
        ]
        MetricsSystem.bootstrap(
            ListenerLabellingFactory(
                registry: registry,
                // From 0.5 ms: the disclosure path's figures are in milliseconds.
                durationBuckets: [
                    .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                    .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
                ],
                durationBucketsByName: [
                    LedgerMetrics.commitDuration: ledgerBuckets, LedgerMetrics.queueWait: ledgerBuckets, LedgerMetrics.resumeDelay: ledgerBuckets,
                ],
                valueBuckets: [LedgerMetrics.batchEntries: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024]]
            )
        )
        return registry
    }()

    /// Turns metrics on for this process: call before the environment opens, so its handles are real.
    public static func bootstrap() {
        _ = registry
    }

    /// Why a partner request was refused after the handshake.
    public enum Refusal: String, CaseIterable, Sendable {
        case noCertificate = "no_certificate"
        case unknownCertificate = "unknown_certificate"
        case revokedCertificate = "revoked_certificate"
        case wrongPartnerCA = "wrong_partner_ca"
        case agreementExpired = "agreement_expired"
        case rateLimited = "rate_limited"
        case notAdmitted = "not_admitted"
    }

    /// Why a TLS handshake was refused.
    public enum HandshakeRefusal: String, CaseIterable, Sendable {
        case noCertificate = "no_certificate"
        case unknownCA = "unknown_ca"
        case expired
        case notYetValid = "not_yet_valid"
        case certificateRejected = "certificate_rejected"
        case protocolVersion = "protocol_version"
        case other
    }

    static func refused(_ reason: Refusal) {
        CoreMetrics.Counter(label: "casegate_partner_refusals_total", dimensions: [("reason", reason.rawValue)]).increment()
    }

    static func handshakeRefused(listener: String, _ reason: HandshakeRefusal) {
        CoreMetrics.Counter(label: "casegate_tls_handshake_refusals_total", dimensions: [("listener", listener), ("reason", reason.rawValue)])
            .increment()
    }

    /// A repeat view answered from the cache (hit) or built from the store (miss).
    static func viewCache(hit: Bool) {
        (hit ? viewCacheHits : viewCacheMisses).increment()
    }

    private static let viewCacheHits = CoreMetrics.Counter(label: "casegate_view_cache_requests_total", dimensions: [("result", "hit")])
    private static let viewCacheMisses = CoreMetrics.Counter(label: "casegate_view_cache_requests_total", dimensions: [("result", "miss")])

    /// The counter of disclosures to one partner purpose.
    /// A witness's state after a submission: entries behind, and whether it is failing.
    static func witness(_ name: String, lag: Int, failing: Bool) {
        CoreMetrics.Gauge(label: "casegate_witness_lag_entries", dimensions: [("witness", name)]).record(lag)
        CoreMetrics.Gauge(label: "casegate_witness_failing", dimensions: [("witness", name)]).record(failing ? 1 : 0)
    }

    static func disclosures(partner: String, purpose: String) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: "casegate_disclosures_total", dimensions: [("partner", partner), ("purpose", purpose)])
    }

    /// Gauges read at scrape time: the process's memory and descriptors, the ledger's size and checkpoint age.
    static func refresh(
        ledgerSize: Int,
        checkpointAge: TimeInterval?,
        version: String,
        commit: String,
        certificatesExpireIn: [String: Double] = [:]
    ) {
        for (role, seconds) in certificatesExpireIn {
            CoreMetrics.Gauge(label: "casegate_certificate_expiry_seconds", dimensions: [("certificate", role)]).record(seconds)
        }
        CoreMetrics.Gauge(label: "casegate_build_info", dimensions: [("version", version), ("commit", commit)]).record(1)
        CoreMetrics.Gauge(label: "casegate_ledger_entries").record(ledgerSize)
        if let checkpointAge { CoreMetrics.Gauge(label: "casegate_ledger_checkpoint_age_seconds").record(checkpointAge) }
        if let resident = ProcessStatistics.residentBytes() { CoreMetrics.Gauge(label: "process_resident_memory_bytes").record(resident) }
        if let descriptors = ProcessStatistics.openDescriptors() { CoreMetrics.Gauge(label: "process_open_fds").record(descriptors) }
    }
}

/// What the kernel says of this process, from `/proc` (Linux); nil elsewhere.
enum ProcessStatistics {
    static func residentBytes() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func openDescriptors() -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map(\.count)
    }
}
