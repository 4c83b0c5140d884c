import CoreMetrics
import Prometheus

/// The listener a task serves, set for the life of each listener's service, so every connection task
/// it starts inherits it.
enum ServingListener {
    @TaskLocal static var name: String?
}

/// Adds a `listener` dimension to Hummingbird's request metrics (`MetricsMiddleware` labels them by route,
/// method and status only), and names them as the Prometheus conventions want (`_total` on counters,
/// the unit on durations). Each listener's router has a middleware of its own, whose handles are made on
/// that listener's connection tasks, so the dimension is the listener the request arrived on.
struct ListenerLabellingFactory: MetricsFactory {
    let prometheus: PrometheusMetricsFactory

    static let names = [
        "hb.requests": "http_server_requests_total",
        "hb.request.errors": "http_server_request_errors_total",
        "http.server.request.duration": "http_server_request_duration_seconds",
        "http.server.active_requests": "http_server_active_requests",
    ]

    init(_ prometheus: PrometheusMetricsFactory) {
        self.prometheus = prometheus
    }

    private func labelled(_ label: String, _ dimensions: [(String, String)]) -> (String, [(String, String)]) {
        guard let name = Self.names[label] else { return (label, dimensions) }
        return (name, dimensions + [("listener", ServingListener.name ?? "none")])
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        let (name, dimensions) = labelled(label, dimensions)
        return prometheus.makeCounter(label: name, dimensions: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        let (name, dimensions) = labelled(label, dimensions)
        return prometheus.makeFloatingPointCounter(label: name, dimensions: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let (name, dimensions) = labelled(label, dimensions)
        return prometheus.makeRecorder(label: name, dimensions: dimensions, aggregate: aggregate)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        let (name, dimensions) = labelled(label, dimensions)
        return prometheus.makeMeter(label: name, dimensions: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let (name, dimensions) = labelled(label, dimensions)
        return prometheus.makeTimer(label: name, dimensions: dimensions)
    }

    func destroyCounter(_ handler: any CounterHandler) { prometheus.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { prometheus.destroyFloatingPointCounter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { prometheus.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { prometheus.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { prometheus.destroyTimer(handler) }
}
