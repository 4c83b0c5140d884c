/// Takes a sample when a run's measured window opens (the end of its warm-up) and another when the run
/// closes it, so what a report says about the machine or the gateway covers what the run measured, and
/// not its warm-up.
struct MeasuredWindow<Sample: Sendable>: Sendable {
    private let opensAt: ContinuousClock.Instant
    private let take: @Sendable () async -> Sample?
    private let opening: Task<Sample?, Never>

    /// Starts waiting for `opensAt`, then takes the first sample.
    init(opensAt: ContinuousClock.Instant, take: @escaping @Sendable () async -> Sample?) {
        self.opensAt = opensAt
        self.take = take
        opening = Task {
            do {
                try await Task.sleep(until: opensAt, clock: .continuous)
            } catch {
                return nil
            }
            return await take()
        }
    }

    /// The samples at the window's opening and now; nil if it never opened (a run stopped in its warm-up)
    /// or either could not be taken.
    func close() async -> (opening: Sample, closing: Sample)? {
        guard ContinuousClock.now >= opensAt else {
            opening.cancel()
            return nil
        }
        guard let start = await opening.value, let end = await take() else { return nil }
        return (start, end)
    }
}

extension LoadGenerator {
    /// What a run samples around its measured window: the machine's CPU, and the gateway's ledger
    /// commits when its metrics listener is named.
    struct Windows: Sendable {
        let host: MeasuredWindow<HostCPUSample>
        let ledger: MeasuredWindow<Result<LedgerCommitSample, GatewayMetricsError>>?

        init(opensAt: ContinuousClock.Instant, metricsURL: String?) {
            host = MeasuredWindow(opensAt: opensAt) { HostCPUSample.read() }
            ledger = metricsURL.map { url in MeasuredWindow(opensAt: opensAt) { await LedgerCommitSample.read(url: url) } }
        }

        func close() async -> (HostCPUShare?, Result<LedgerCommits, GatewayMetricsError>?) {
            let hostCPU = await host.close().flatMap { HostCPUShare(from: $0.opening, to: $0.closing) }
            guard let ledger, let samples = await ledger.close() else { return (hostCPU, nil) }
            let commits = Result { () throws(GatewayMetricsError) in
                try LedgerCommits(from: samples.opening.get(), to: samples.closing.get())
            }
            return (hostCPU, commits)
        }
    }
}
