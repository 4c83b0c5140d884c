import CoreMetrics
import Ledger
import Prometheus

/// The listener a task serves, set for the life of each listener's service, so every connection task
/// it starts inherits it.
enum ServingListener {
    @TaskLocal static var name: String?
}

/// The swift-metrics backend: every metric registered in the Prometheus registry under its Prometheus
/// name, with its help text (the text format's `# HELP`, which `promtool check metrics` asks for).
///
/// Hummingbird's `MetricsMiddleware` labels requests by route, method and status only; its metrics get a
/// `listener` dimension here. Each listener's router has a middleware of its own, whose handles are made
/// on that listener's connection tasks, so the dimension is the listener the request arrived on.
struct ListenerLabellingFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let durationBuckets: [Duration]
    /// Buckets for the timers that need others, by Prometheus name.
    let durationBucketsByName: [String: [Duration]]
    let valueBuckets: [String: [Double]]

    /// Every metric's Prometheus name and help text, by the label it is made with.
    static let catalogue: [String: (name: String, help: String, byListener: Bool)] = [
        "hb.requests": ("http_server_requests_total", "HTTP requests answered, by listener, route pattern, method and status.", true),
        "hb.request.errors": ("http_server_request_errors_total", "HTTP requests a handler failed, by listener, route, method and status.", true),
        "http.server.request.duration": (
            "http_server_request_duration_seconds", "Time to answer an HTTP request, by listener, route, method and status.", true
        ),
        "http.server.active_requests": ("http_server_active_requests", "HTTP requests being answered now, by listener and method.", true),
        "casegate_disclosures_total": ("casegate_disclosures_total", "Disclosures recorded in the ledger and sent, by partner and purpose.", false),
        "casegate_partner_refusals_total": ("casegate_partner_refusals_total", "Partner requests refused after the handshake, by reason.", false),
        "casegate_tls_handshake_refusals_total": ("casegate_tls_handshake_refusals_total", "TLS handshakes refused, by listener and reason.", false),
        "casegate_view_cache_requests_total": (
            "casegate_view_cache_requests_total", "Single-case views answered from the view cache (hit) or built (miss).", false
        ),
        "casegate_ledger_entries": ("casegate_ledger_entries", "Entries in the audit ledger as this instance knows it.", false),
        LedgerMetrics.batchEntries: (LedgerMetrics.batchEntries, "Entries written by each group commit of the ledger.", false),
        LedgerMetrics.commitDuration: (LedgerMetrics.commitDuration, "Time to make one batch of ledger entries durable.", false),
        LedgerMetrics.queueWait: (LedgerMetrics.queueWait, "Time an append waited for the ledger's writer to take it into a batch.", false),
        LedgerMetrics.resumeDelay: (
            LedgerMetrics.resumeDelay, "Time from an append's batch being durable until its caller ran again.", false
        ),
        "casegate_ledger_checkpoint_age_seconds": (
            "casegate_ledger_checkpoint_age_seconds", "Seconds since a checkpoint covering the whole ledger was signed.", false
        ),
        "casegate_retention_sweep_cases": ("casegate_retention_sweep_cases", "The running or last retention sweep's cases: done and total.", false),
        "casegate_retention_sweeps_total": ("casegate_retention_sweeps_total", "Retention sweeps ended, by result.", false),
        "casegate_certificate_expiry_seconds": (
            "casegate_certificate_expiry_seconds", "Seconds until a certificate the gateway serves with expires, by role (server, partner_ca).", false
        ),
        "casegate_witness_lag_entries": (
            "casegate_witness_lag_entries", "Ledger entries a configured witness has not cosigned yet, by witness.", false
        ),
        "casegate_witness_failing": (
            "casegate_witness_failing", "1 while a configured witness is unreachable or refusing checkpoints, 0 while it cosigns, by witness.", false
        ),
        "casegate_build_info": ("casegate_build_info", "The build serving: always 1, labelled with version and commit.", false),
        "process_resident_memory_bytes": ("process_resident_memory_bytes", "Resident memory of the process.", false),
        "process_open_fds": ("process_open_fds", "Open file descriptors of the process.", false),
    ]

    private func descriptor(_ label: String, _ dimensions: [(String, String)]) -> (MetricNameDescriptor, [(String, String)]) {
        let known = Self.catalogue[label]
        let name = known?.name ?? label
        let dimensions = known?.byListener == true ? dimensions + [("listener", ServingListener.name ?? "none")] : dimensions
        return (MetricNameDescriptor(metricName: name, unitName: "", helpText: known?.help ?? ""), dimensions)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        let (descriptor, dimensions) = descriptor(label, dimensions)
        return registry.makeCounter(descriptor: descriptor, labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        let (descriptor, dimensions) = descriptor(label, dimensions)
        return registry.makeCounter(descriptor: descriptor, labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let (descriptor, dimensions) = descriptor(label, dimensions)
        guard aggregate else { return registry.makeGauge(descriptor: descriptor, labels: dimensions) }
        return registry.makeValueHistogram(descriptor: descriptor, labels: dimensions, buckets: valueBuckets[descriptor.name] ?? [1, 10, 100, 1000])
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        let (descriptor, dimensions) = descriptor(label, dimensions)
        return registry.makeGauge(descriptor: descriptor, labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let (descriptor, dimensions) = descriptor(label, dimensions)
        return registry.makeDurationHistogram(
            descriptor: descriptor,
            labels: dimensions,
            buckets: durationBucketsByName[descriptor.name] ?? durationBuckets
        )
    }

    func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? Histogram<Double> { registry.unregisterValueHistogram(histogram) }
    }

    func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? Histogram<Duration> { registry.unregisterDurationHistogram(histogram) }
    }
}
