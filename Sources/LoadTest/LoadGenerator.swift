import Foundation
import Histogram
import NIOCore
import Synchronization

/// Drives a partner's traffic at the gateway, for a fixed time: closed loop (`connections` loops, each
/// with one request in flight) or open loop (`plan.rate`: requests at their scheduled times, however
/// slowly the gateway answers, latency counted from each one's intended send time).
public struct LoadGenerator: Sendable {
    let plan: LoadPlan
    let client: PartnerClient

    public init(plan: LoadPlan) throws {
        self.plan = plan
        self.client = try PartnerClient(
            baseURL: plan.baseURL,
            credentials: plan.credentials,
            connections: plan.connections,
            receiptLog: try plan.receiptLog.map(ReceiptLog.init(path:))
        )
    }

    /// Runs the plan, then checks the receipts against a fresh signed checkpoint.
    /// `stop` ends the run early (on SIGINT, say); the report covers the time measured until then.
    public func run(stop: StopSignal = StopSignal()) async throws -> LoadReport {
        try await client.closing { _ in try await measure(stop) }
    }

    private func measure(_ stop: StopSignal) async throws -> LoadReport {
        if let rate = plan.rate { return try await openLoop(rate: rate, stop) }
        let paths = try await requestPaths()
        let clock = ContinuousClock()
        let start = clock.now
        let measureFrom = start + plan.warmup
        let end = measureFrom + plan.duration
        let windows = Windows(opensAt: measureFrom, metricsURL: plan.metricsURL)
        let results = try await withThrowingTaskGroup(of: WorkerResult.self) { group in
            for _ in 0..<plan.connections {
                group.addTask {
                    var result = WorkerResult()
                    var generator = SystemRandomNumberGenerator()
                    // Every connection sends at least one request, so a run always reports what the gateway
                    // said, even when a busy machine starts a loop only after a short window has passed.
                    var first = true
                    while true {
                        let sent = clock.now
                        if !first && (sent >= end || stop.isStopped) { break }
                        first = false
                        let path = paths.randomElement(using: &generator)!  // never empty: see requestPaths
                        let counted = sent >= measureFrom
                        do {
                            let reply = try await client.get(path)
                            let elapsed = clock.now - sent
                            guard counted else { continue }
                            if reply.status == 200 {
                                result.latencies.append(elapsed.nanoseconds)
                                if let index = reply.ledgerIndex { result.receipts.append(Receipt(index: index, entryHash: reply.entryHash ?? "")) }
                            } else {
                                result.statuses[reply.status, default: 0] += 1
                            }
                        } catch {
                            if counted { result.transportErrors += 1 }
                        }
                    }
                    return result
                }
            }
            var all: [WorkerResult] = []
            for try await result in group { all.append(result) }
            return all
        }
        let (hostCPU, ledgerCommits) = await windows.close()
        let stoppedAt = stop.stoppedAt.map { min(end, max(measureFrom, $0)) } ?? end
        let elapsed = stoppedAt - measureFrom
        let latencies = results.flatMap(\.latencies)
        let receipts = results.flatMap(\.receipts)
        var statuses: [UInt: Int] = [:]
        for result in results { statuses.merge(result.statuses, uniquingKeysWith: +) }
        let check: ReceiptCheck? = plan.endpoint == .view ? try await ReceiptChecker(client: client).check(receipts) : nil
        return LoadReport(
            endpoint: plan.endpoint.rawValue,
            connections: plan.connections,
            duration: elapsed,
            succeeded: latencies.count,
            failedByStatus: statuses,
            transportErrors: results.reduce(0) { $0 + $1.transportErrors },
            latency: LatencySummary(nanoseconds: latencies),
            receipts: check,
            hostCPU: hostCPU,
            ledgerCommits: ledgerCommits
        )
    }

    /// Open loop: request k is due at `start + warmup + k / rate`; it is sent then (or as soon after as the
    /// client can), and its latency runs from when it was due, so a gateway that falls behind shows its
    /// queueing delay instead of slowing the load down (no coordinated omission). The requests due in the
    /// measured window are exactly `rate × duration`; warm-up requests go first and are not counted.
    private func openLoop(rate: Double, _ stop: StopSignal) async throws -> LoadReport {
        let requests = try await requestPaths().map(client.prepareGET)
        let schedule = OpenLoopSchedule(rate: rate, warmup: plan.warmup, duration: plan.duration)
        let start = ContinuousClock.now
        let windows = Windows(opensAt: start + plan.warmup, metricsURL: plan.metricsURL)
        let outcomes = OpenLoopRecorder()
        try await OpenLoopSender(client: client, requests: requests, schedule: schedule, outcomes: outcomes, connections: plan.connections)
            .run(from: start, stop: stop)
        let (hostCPU, ledgerCommits) = await windows.close()
        let results = outcomes.outcomes
        // The achieved rate runs to the last answer: a gateway that falls behind takes longer than the schedule.
        let scheduled = stop.stoppedAt.map { $0 - start } ?? schedule.total.duration(at: rate)
        let elapsed = Swift.max(scheduled, (results.lastAnswer ?? start) - start) - plan.warmup
        let check: ReceiptCheck? = plan.endpoint == .view ? try await ReceiptChecker(client: client).check(results.receipts) : nil
        return LoadReport(
            endpoint: plan.endpoint.rawValue,
            connections: plan.connections,
            duration: max(elapsed, .milliseconds(1)),
            succeeded: results.succeeded,
            failedByStatus: results.statuses,
            transportErrors: results.transportErrors,
            latency: LatencySummary(histogram: results.latencies),
            receipts: check,
            hostCPU: hostCPU,
            ledgerCommits: ledgerCommits,
            offeredRate: rate,
            sent: results.succeeded + results.statuses.values.reduce(results.transportErrors, +)
        )
    }

    /// The paths the connections choose from: the ping, or a view of each case the purpose admits.
    private func requestPaths() async throws -> [String] {
        switch plan.endpoint {
        case .ping:
            return ["/v1/ping"]
        case .view:
            let ids = try await BulkPull(client: client, purpose: plan.purpose, pageSize: min(1000, plan.sample)).caseIDs(limit: plan.sample)
            guard !ids.isEmpty else { throw LoadTestError.noAdmittedCases(purpose: plan.purpose) }
            let query = plan.purpose.map { "?purpose=\($0.queryEscaped)" } ?? ""
            return ids.map { "/v1/views/cases/\($0)\(query)" }
        }
    }
}

/// Ends a run early, from another task or a signal handler.
public final class StopSignal: Sendable {
    private let stopped = Mutex<ContinuousClock.Instant?>(nil)

    public init() {}

    public func stop() {
        stopped.withLock { $0 = $0 ?? ContinuousClock.now }
    }

    var isStopped: Bool { stopped.withLock { $0 != nil } }
    var stoppedAt: ContinuousClock.Instant? { stopped.withLock { $0 } }
}

/// What one connection's loop saw.
struct WorkerResult: Sendable {
    var latencies: [Int64] = []
    var receipts: [Receipt] = []
    var statuses: [UInt: Int] = [:]
    var transportErrors = 0

    init() {
        latencies.reserveCapacity(1 << 16)
        receipts.reserveCapacity(1 << 16)
    }
}

/// A disclosure's receipt, as its response headers gave it.
public struct Receipt: Sendable, Hashable {
    public var index: Int
    public var entryHash: String
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// When each request of an open-loop run is due.
struct OpenLoopSchedule: Sendable, Equatable {
    let rate: Double
    /// Requests due during the warm-up, sent but not counted.
    let warmupRequests: Int
    /// Every request, warm-up included; the counted ones are exactly `rate × duration` (rounded down).
    let total: Int

    init(rate: Double, warmup: Duration, duration: Duration) {
        self.rate = rate
        warmupRequests = Int(rate * warmup.seconds)
        total = warmupRequests + Int(rate * duration.seconds)
    }

    /// Request `k` is due `k / rate` after the start.
    func offset(of request: Int) -> Duration {
        .nanoseconds(Int64((Double(request) / rate * 1e9).rounded()))
    }
}

extension Int {
    /// How long `self` requests take at `rate` a second.
    func duration(at rate: Double) -> Duration { .nanoseconds(Int64(Double(self) / rate * 1e9)) }
}

/// Collects an open-loop run's outcomes as the answers arrive, and says when every request sent has one.
final class OpenLoopRecorder: Sendable {
    private struct State {
        var outcomes = OpenLoopOutcomes()
        var outstanding = 0
        var drained: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func sent() {
        state.withLock { $0.outstanding += 1 }
    }

    /// One request's answer, nil for a transport error; a warm-up request's (`counted` false) is not recorded.
    func answered(_ reply: PartnerClient.Reply?, counted: Bool, latency: Duration, at instant: ContinuousClock.Instant) {
        let drained = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if counted {
                state.outcomes.record(reply, latency: latency)
                state.outcomes.lastAnswer = Swift.max(state.outcomes.lastAnswer ?? instant, instant)
            }
            state.outstanding -= 1
            guard state.outstanding == 0 else { return nil }
            defer { state.drained = nil }
            return state.drained
        }
        drained?.resume()
    }

    /// Returns once every request sent so far has been answered (or has failed).
    func allAnswered() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                if state.outstanding == 0 { return true }
                state.drained = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    var outcomes: OpenLoopOutcomes { state.withLock { $0.outcomes } }
}

/// What an open-loop run saw: latencies (nanoseconds from the intended send time) in an HDR histogram.
struct OpenLoopOutcomes: Sendable {
    /// Up to a minute, three significant digits.
    var latencies = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    var receipts: [Receipt] = []
    var statuses: [UInt: Int] = [:]
    var transportErrors = 0
    var succeeded = 0
    /// When the last counted request was answered.
    var lastAnswer: ContinuousClock.Instant?

    mutating func record(_ reply: PartnerClient.Reply?, latency: Duration) {
        guard let reply else {
            transportErrors += 1
            return
        }
        guard reply.status == 200 else {
            statuses[reply.status, default: 0] += 1
            return
        }
        succeeded += 1
        _ = latencies.record(UInt64(clamping: Swift.max(0, latency.nanoseconds)))
        if let index = reply.ledgerIndex { receipts.append(Receipt(index: index, entryHash: reply.entryHash ?? "")) }
    }
}
