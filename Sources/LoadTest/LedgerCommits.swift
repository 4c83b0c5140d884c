import AsyncHTTPClient
import Foundation
import Ledger
import NIOCore

/// The ledger's group commits so far, as the gateway's metrics listener exports them: how many, how long
/// they took, how many entries they carried, and how many finished within each bucket's bound.
///
/// A view waits for its entry's commit (timed from the batch's hand-off to the store until it returns,
/// sync included), so a load run that reads these when its measured window opens and when it closes can
/// tell a slow disk (a few commits of tens of milliseconds, CPU to spare) from queueing for the CPU
/// elsewhere (commits as usual) when its latency moves.
struct LedgerCommitSample: Sendable, Equatable {
    /// A histogram bucket: commits that took at most `bound` seconds, counted since the gateway started.
    struct Bucket: Sendable, Equatable {
        var bound: Double
        var count: Int
    }

    /// A histogram of times: how many, their sum in seconds, and its buckets.
    struct Times: Sendable, Equatable {
        var count: Int
        var seconds: Double
        /// Ascending by bound; the last is `+Inf`.
        var buckets: [Bucket]
    }

    var commitTimes: Times
    /// Entries written by all those commits.
    var entries: Double
    /// An append's wait for the writer to take it, and for its caller to run again once its batch was
    /// durable; nil from a gateway that does not export them.
    var queueWait: Times?
    var resumeDelay: Times?
    var at: ContinuousClock.Instant

    var commits: Int { commitTimes.count }
    /// Time spent in commits, in seconds.
    var seconds: Double { commitTimes.seconds }
    var buckets: [Bucket] { commitTimes.buckets }

    /// Reads the ledger's families from a scrape in the Prometheus text format (version 0.0.4): comment
    /// lines and every other family are skipped; a sample line is a name, an optional label set, a value
    /// and an optional timestamp.
    init(prometheusText text: String, at instant: ContinuousClock.Instant) throws(GatewayMetricsError) {
        var counts: [String: Int] = [:]
        var sums: [String: Double] = [:]
        var buckets: [String: [Bucket]] = [:]
        let timed = [LedgerMetrics.commitDuration, LedgerMetrics.queueWait, LedgerMetrics.resumeDelay]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard line.hasPrefix(LedgerMetrics.batchEntries) || timed.contains(where: { line.hasPrefix($0) }) else { continue }
            let sample = try PrometheusSample(line, line: number + 1)
            if sample.name == LedgerMetrics.batchEntries + "_sum" {
                sums[LedgerMetrics.batchEntries] = sample.value
                continue
            }
            guard let family = timed.first(where: { sample.name.hasPrefix($0) }) else { continue }
            switch sample.name.dropFirst(family.count) {
            case "_count": counts[family] = try sample.count()
            case "_sum": sums[family] = sample.value
            case "_bucket":
                guard let le = sample.labels["le"], let bound = Double(le) else {
                    throw .malformed(line: number + 1, reason: "a bucket without an le label")
                }
                buckets[family, default: []].append(Bucket(bound: bound, count: try sample.count()))
            default: continue
            }
        }
        func times(_ family: String) throws(GatewayMetricsError) -> Times? {
            guard let count = counts[family], let seconds = sums[family] else { return nil }
            let sorted = (buckets[family] ?? []).sorted { $0.bound < $1.bound }
            guard sorted.last?.bound == .infinity else { throw .missing(family + "_bucket{le=\"+Inf\"}") }
            return Times(count: count, seconds: seconds, buckets: sorted)
        }
        guard let commitTimes = try times(LedgerMetrics.commitDuration) else { throw .missing(LedgerMetrics.commitDuration) }
        guard let entries = sums[LedgerMetrics.batchEntries] else { throw .missing(LedgerMetrics.batchEntries) }
        self.commitTimes = commitTimes
        self.entries = entries
        self.queueWait = try times(LedgerMetrics.queueWait)
        self.resumeDelay = try times(LedgerMetrics.resumeDelay)
        self.at = instant
    }

    /// Scrapes the gateway's metrics listener (such as `http://127.0.0.1:9464/metrics`) now.
    static func read(url: String) async -> Result<LedgerCommitSample, GatewayMetricsError> {
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 16 << 20)
            let at = ContinuousClock.now
            guard response.status == .ok else { return .failure(.status(response.status.code)) }
            return Result { () throws(GatewayMetricsError) in try LedgerCommitSample(prometheusText: String(buffer: body), at: at) }
        } catch {
            return .failure(.unreachable("\(error)"))
        }
    }
}

/// Why the gateway's ledger metrics could not be read.
public enum GatewayMetricsError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreachable(String)
    case status(UInt)
    case missing(String)
    case malformed(line: Int, reason: String)
    /// A count went back between the window's two samples: the gateway restarted during the run.
    case countersReset

    public var description: String {
        switch self {
        case .unreachable(let detail): "the metrics listener did not answer: \(detail)"
        case .status(let code): "the metrics listener answered \(code)"
        case .missing(let name): "the scrape has no \(name) (is it a casegate gateway's metrics listener?)"
        case .malformed(let line, let reason): "line \(line) of the scrape: \(reason)"
        case .countersReset: "the gateway's counters went back during the run (it restarted)"
        }
    }
}

/// The ledger's commits over a run's measured window: the difference of two samples.
public struct LedgerCommits: Sendable, Equatable {
    public var commits: Int
    public var entries: Double
    /// Time spent in commits, in seconds.
    public var commitSeconds: Double
    /// The window's length on the wall clock, in seconds.
    public var windowSeconds: Double
    /// Commits over 1 ms and over 5 ms; nil when the gateway's buckets have no such bound.
    public var overOneMillisecond: Int?
    public var overFiveMilliseconds: Int?
    /// The bound of the lowest bucket that holds every commit of the window, in seconds: the slowest commit
    /// took at most this long. Nil when there were none, or the slowest was past the last finite bound.
    public var slowestAtMost: Double?
    /// The bound of the lowest bucket holding 99% of the window's commits, in seconds (see `Waits.p99AtMost`).
    public var p99AtMost: Double?
    /// Appends' waits over the window apart from their commits: for the writer to take them, and for their
    /// callers to run again after the commit. Nil when the gateway does not export them.
    public var queueWait: Waits?
    public var resumeDelay: Waits?

    /// Times over a window: how many, their mean, the bucket their p99 lies in, and how many took over 1
    /// and over 5 ms (nil when the gateway's buckets have no such bound).
    public struct Waits: Sendable, Equatable {
        public var count: Int
        public var seconds: Double
        public var overOneMillisecond: Int?
        public var overFiveMilliseconds: Int?
        /// The bound of the lowest bucket holding 99% of the window's times, in seconds: their p99 was at
        /// most this. Nil when there were none, or it lay past the last finite bound.
        public var p99AtMost: Double?
        /// The same for all of them: the slowest took at most this long.
        public var slowestAtMost: Double?

        fileprivate init(from start: LedgerCommitSample.Times, to end: LedgerCommitSample.Times) throws(GatewayMetricsError) {
            guard end.count >= start.count, end.seconds >= start.seconds else { throw .countersReset }
            count = end.count - start.count
            seconds = end.seconds - start.seconds
            let before = Dictionary(start.buckets.map { ($0.bound, $0.count) }, uniquingKeysWith: max)
            var within: [Double: Int] = [:]
            for bucket in end.buckets {
                let earlier = before[bucket.bound] ?? 0
                guard bucket.count >= earlier else { throw .countersReset }
                within[bucket.bound] = bucket.count - earlier
            }
            overOneMillisecond = within[0.001].map { [count] in count - $0 }
            overFiveMilliseconds = within[0.005].map { [count] in count - $0 }
            // The lowest finite bound with at least `needed` of the window's times at or below it.
            func bound(holding needed: Int) -> Double? {
                count == 0 ? nil : end.buckets.first { $0.bound.isFinite && within[$0.bound, default: 0] >= needed }?.bound
            }
            p99AtMost = bound(holding: (count * 99 + 99) / 100)
            slowestAtMost = bound(holding: count)
        }

        public var meanMilliseconds: Double? { count > 0 ? seconds / Double(count) * 1000 : nil }
    }

    init(from start: LedgerCommitSample, to end: LedgerCommitSample) throws(GatewayMetricsError) {
        guard end.entries >= start.entries else { throw .countersReset }
        let times = try Waits(from: start.commitTimes, to: end.commitTimes)
        commits = times.count
        entries = end.entries - start.entries
        commitSeconds = times.seconds
        windowSeconds = (end.at - start.at).seconds
        overOneMillisecond = times.overOneMillisecond
        overFiveMilliseconds = times.overFiveMilliseconds
        p99AtMost = times.p99AtMost
        slowestAtMost = times.slowestAtMost
        if let before = start.queueWait, let after = end.queueWait { queueWait = try Waits(from: before, to: after) }
        if let before = start.resumeDelay, let after = end.resumeDelay { resumeDelay = try Waits(from: before, to: after) }
    }

    public var perSecond: Double { windowSeconds > 0 ? Double(commits) / windowSeconds : 0 }
    public var meanMilliseconds: Double? { commits > 0 ? commitSeconds / Double(commits) * 1000 : nil }
    public var entriesPerCommit: Double? { commits > 0 ? entries / Double(commits) : nil }
    /// The share of the window the ledger's one writer spent in a commit: near 1, views queue for it.
    public var writerBusy: Double { windowSeconds > 0 ? commitSeconds / windowSeconds : 0 }
}
