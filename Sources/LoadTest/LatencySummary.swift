import Histogram

/// Latency percentiles of a run: from every sample (closed loop), or from an HDR histogram (open loop).
public struct LatencySummary: Sendable, Equatable {
    public var count: Int
    public var p50: Duration
    public var p90: Duration
    public var p99: Duration
    public var p999: Duration
    public var max: Duration

    /// From an HDR histogram of nanoseconds (three significant digits).
    public init(histogram: Histogram<UInt64>) {
        let total = Int(histogram.totalCount)
        func at(_ percentile: Double) -> Duration { total == 0 ? .zero : .nanoseconds(Int64(histogram.valueAtPercentile(percentile))) }
        count = total
        p50 = at(50)
        p90 = at(90)
        p99 = at(99)
        p999 = at(99.9)
        max = total == 0 ? .zero : .nanoseconds(Int64(histogram.max))
    }

    /// Nearest-rank percentiles of `samples` (nanoseconds); all zero when there are none.
    public init(nanoseconds samples: [Int64]) {
        let sorted = samples.sorted()
        count = sorted.count
        func rank(_ p: Double) -> Duration {
            guard !sorted.isEmpty else { return .zero }
            let index = Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)
            return .nanoseconds(sorted[Swift.min(index, sorted.count - 1)])
        }
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        p999 = rank(0.999)
        max = sorted.last.map { .nanoseconds($0) } ?? .zero
    }
}

extension Duration {
    /// Milliseconds as a Double, for reports.
    public var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    }

    public var seconds: Double { milliseconds / 1_000 }
}
