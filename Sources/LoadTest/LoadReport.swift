import Foundation

/// What a load run measured.
public struct LoadReport: Sendable {
    public var endpoint: String
    public var connections: Int
    public var duration: Duration
    public var succeeded: Int
    public var failedByStatus: [UInt: Int]
    public var transportErrors: Int
    public var latency: LatencySummary
    public var receipts: ReceiptCheck?
    /// The machine's CPU over the measured window (Linux only): a run with a large stolen share measured
    /// the hypervisor's other guests as much as the gateway.
    public var hostCPU: HostCPUShare? = nil
    /// The gateway's ledger commits over the measured window, when its metrics listener was named: a view
    /// waits for its entry's commit, so these tell a slow disk from queueing elsewhere (`LedgerCommitSample`).
    public var ledgerCommits: Result<LedgerCommits, GatewayMetricsError>? = nil
    /// Open loop: the rate offered (requests a second), and requests sent in all.
    public var offeredRate: Double? = nil
    public var sent: Int? = nil

    public var throughput: Double { duration.seconds > 0 ? Double(succeeded) / duration.seconds : 0 }
    public var failed: Int { failedByStatus.values.reduce(transportErrors, +) }

    /// Lines for a terminal.
    public var text: String {
        var lines = [
            "endpoint      \(endpoint), \(connections) connections, \(String(format: "%.1f", duration.seconds)) s measured"
                + (offeredRate.map { String(format: ", open loop at %.0f requests/s offered", $0) } ?? ", closed loop"),
            "throughput    \(String(format: "%.0f", throughput)) requests/s (\(succeeded) ok)",
            "latency       p50 \(ms(latency.p50))  p90 \(ms(latency.p90))  p99 \(ms(latency.p99))  p99.9 \(ms(latency.p999))  max \(ms(latency.max))"
                + (offeredRate == nil ? "" : " (from each request's intended send time)"),
            "errors        \(failed)" + (failed == 0 ? "" : " (" + errorBreakdown + ")"),
        ]
        if let receipts {
            lines.append(
                "receipts      \(receipts.receipts) received, \(receipts.distinct) distinct, \(receipts.duplicates) duplicated, "
                    + "\(receipts.outsideTree) beyond the checkpoint (size \(receipts.treeSize)); "
                    + "\(receipts.proofsChecked - receipts.proofsFailed)/\(receipts.proofsChecked) sampled inclusion proofs verify"
            )
        }
        if let hostCPU {
            lines.append(
                "host cpu      \(percent(hostCPU.busy)) busy, \(percent(hostCPU.stolen)) stolen by the hypervisor (all cores, /proc/stat)"
            )
        }
        switch ledgerCommits {
        case .success(let commits): lines.append("ledger        \(commits.text) (gateway metrics)")
        case .failure(let error): lines.append("ledger        not read: \(error)")
        case nil: break
        }
        return lines.joined(separator: "\n")
    }

    /// One JSON object, for scripts.
    public var json: String {
        var object: [String: Any] = [
            "endpoint": endpoint, "connections": connections, "seconds": duration.seconds,
            "ok": succeeded, "errors": failed, "transport_errors": transportErrors,
            "errors_by_status": Dictionary(uniqueKeysWithValues: failedByStatus.map { (String($0.key), $0.value) }),
            "throughput": throughput,
            "latency_ms": [
                "p50": latency.p50.milliseconds, "p90": latency.p90.milliseconds, "p99": latency.p99.milliseconds,
                "p99_9": latency.p999.milliseconds, "max": latency.max.milliseconds,
            ],
            "mode": offeredRate == nil ? "closed" : "open",
        ]
        if let offeredRate { object["offered_rate"] = offeredRate }
        if let sent { object["sent"] = sent }
        if let hostCPU { object["host_cpu"] = ["busy_percent": hostCPU.busy * 100, "steal_percent": hostCPU.stolen * 100] }
        switch ledgerCommits {
        case .success(let commits): object["ledger_commits"] = commits.json
        case .failure(let error): object["ledger_commits_error"] = error.description
        case nil: break
        }
        if let receipts {
            object["receipts"] = [
                "received": receipts.receipts, "distinct": receipts.distinct, "duplicates": receipts.duplicates,
                "outside_tree": receipts.outsideTree, "tree_size": receipts.treeSize,
                "proofs_checked": receipts.proofsChecked, "proofs_failed": receipts.proofsFailed, "passed": receipts.passed,
            ]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private var errorBreakdown: String {
        var parts = failedByStatus.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }
        if transportErrors > 0 { parts.append("\(transportErrors) × transport") }
        return parts.joined(separator: ", ")
    }
}

extension BulkPullReport {
    public var text: String {
        let rate = elapsed.seconds > 0 ? Double(views) / elapsed.seconds : 0
        return [
            "bulk pull     \(views) views in \(pages) pages, \(bytes / 1024) KiB, \(String(format: "%.2f", elapsed.seconds)) s (\(String(format: "%.0f", rate)) views/s)",
            "page latency  p50 \(ms(pageLatency.p50))  p99 \(ms(pageLatency.p99))  max \(ms(pageLatency.max))",
            "receipts      \(receipts) of \(pages) pages",
        ].joined(separator: "\n")
    }

    public var json: String {
        let object: [String: Any] = [
            "endpoint": "list", "views": views, "pages": pages, "bytes": bytes, "seconds": elapsed.seconds,
            "receipts": receipts, "page_p99_ms": pageLatency.p99.milliseconds,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension LedgerCommits {
    /// "2346 commits/s of 1.7 entries, mean 0.38 ms, 15.6% over 1 ms, 0.0% over 5 ms, p99 ≤ 2 ms, the slowest ≤ 10 ms"
    var text: String {
        guard let mean = meanMilliseconds, let entries = entriesPerCommit else { return "no commits" }
        var parts = [String(format: "%.0f commits/s of %.1f entries, mean %.2f ms", perSecond, entries, mean)]
        if let over = overOneMillisecond { parts.append("\(percent(Double(over) / Double(commits))) over 1 ms") }
        if let over = overFiveMilliseconds { parts.append("\(percent(Double(over) / Double(commits))) over 5 ms") }
        if let p99AtMost { parts.append("p99 ≤ \(String(format: "%g", p99AtMost * 1000)) ms") }
        parts.append(slowestAtMost.map { "the slowest ≤ \(String(format: "%g", $0 * 1000)) ms" } ?? "the slowest past the last bucket")
        var text = parts.joined(separator: ", ")
        if let queueWait, let resumeDelay {
            text += "; an append's wait for the writer \(queueWait.text), to run again after its commit \(resumeDelay.text)"
        }
        return text
    }

    var json: [String: Any] {
        var object: [String: Any] = [
            "commits": commits, "per_second": perSecond, "entries": entries, "writer_busy_percent": writerBusy * 100,
        ]
        if let meanMilliseconds { object["mean_ms"] = meanMilliseconds }
        if let entriesPerCommit { object["entries_per_commit"] = entriesPerCommit }
        if let overOneMillisecond { object["over_1ms"] = overOneMillisecond }
        if let overFiveMilliseconds { object["over_5ms"] = overFiveMilliseconds }
        if let slowestAtMost { object["slowest_at_most_ms"] = slowestAtMost * 1000 }
        if let p99AtMost { object["p99_at_most_ms"] = p99AtMost * 1000 }
        if let queueWait { object["queue_wait"] = queueWait.json }
        if let resumeDelay { object["resume_delay"] = resumeDelay.json }
        return object
    }
}

extension LedgerCommits.Waits {
    /// "mean 0.21 ms, p99 ≤ 1 ms, 0.1% over 5 ms"
    var text: String {
        guard let mean = meanMilliseconds else { return "none" }
        return String(format: "mean %.2f ms", mean) + (p99AtMost.map { ", p99 ≤ \(String(format: "%g", $0 * 1000)) ms" } ?? "")
            + (overFiveMilliseconds.map { ", \(percent(Double($0) / Double(count))) over 5 ms" } ?? "")
    }

    var json: [String: Any] {
        var object: [String: Any] = ["count": count]
        if let meanMilliseconds { object["mean_ms"] = meanMilliseconds }
        if let overOneMillisecond { object["over_1ms"] = overOneMillisecond }
        if let overFiveMilliseconds { object["over_5ms"] = overFiveMilliseconds }
        if let p99AtMost { object["p99_at_most_ms"] = p99AtMost * 1000 }
        return object
    }
}

private func ms(_ d: Duration) -> String { String(format: "%.2f ms", d.milliseconds) }

private func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }
