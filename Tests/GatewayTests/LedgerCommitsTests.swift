import Foundation
import Ledger
import Testing

@testable import LoadTest

@Suite("the ledger's commits over a load run, from the gateway's metrics")
struct LedgerCommitsTests {
    /// A scrape as the gateway writes it, with another family around the two that are read.
    static func scrape(commits: Int, seconds: Double, entries: Double, buckets: [(String, Int)]) -> String {
        var lines = [
            "# TYPE casegate_requests_total counter",
            "casegate_requests_total{listener=\"partner\",status=\"200\"} 5",
            "# HELP casegate_ledger_commit_duration_seconds",
            "# TYPE casegate_ledger_commit_duration_seconds histogram",
        ]
        lines += buckets.map { "casegate_ledger_commit_duration_seconds_bucket{instance=\"a\",le=\"\($0.0)\"} \($0.1)" }
        lines += [
            "casegate_ledger_commit_duration_seconds_sum \(seconds)",
            "casegate_ledger_commit_duration_seconds_count \(commits)",
            "# TYPE casegate_ledger_batch_entries histogram",
            "casegate_ledger_batch_entries_bucket{le=\"1.0\"} \(commits)",
            "casegate_ledger_batch_entries_sum \(entries)",
            "casegate_ledger_batch_entries_count \(commits)",
            "",
        ]
        return lines.joined(separator: "\n")
    }

    /// A family of times as the gateway writes one, to add to a scrape.
    static func times(_ family: String, seconds: Double, counts: [Int]) -> String {
        (zip(bounds, counts).map { "\(family)_bucket{le=\"\($0.0)\"} \($0.1)" }
            + ["\(family)_sum \(seconds)", "\(family)_count \(counts.last!)", ""]).joined(separator: "\n")
    }

    static let bounds = ["0.0005", "0.001", "0.002", "0.005", "0.01", "+Inf"]

    static func sample(_ counts: [Int], seconds: Double, entries: Double, at instant: ContinuousClock.Instant) throws -> LedgerCommitSample {
        let text = scrape(commits: counts.last!, seconds: seconds, entries: entries, buckets: Array(zip(bounds, counts)))
        return try LedgerCommitSample(prometheusText: text, at: instant)
    }

    @Test("a scrape: the commits' count, time and buckets, the entries' sum; other families and comments skipped")
    func parses() throws {
        let now = ContinuousClock.now
        let sample = try Self.sample([10, 40, 45, 49, 50, 50], seconds: 0.03, entries: 81044.0, at: now)
        #expect(sample.commits == 50)
        #expect(sample.seconds == 0.03)
        #expect(sample.entries == 81044)
        #expect(sample.buckets.map(\.bound) == [0.0005, 0.001, 0.002, 0.005, 0.01, .infinity])
        #expect(sample.buckets.map(\.count) == [10, 40, 45, 49, 50, 50])
        #expect(sample.at == now)
        // A timestamp after the value is allowed; buckets in any order come out sorted.
        let reordered = """
            casegate_ledger_commit_duration_seconds_bucket{path="/a\\",b",le="+Inf",} 3 1700000000000
            casegate_ledger_commit_duration_seconds_bucket{le="0.001"} 2
            casegate_ledger_commit_duration_seconds_sum 0.002
            casegate_ledger_commit_duration_seconds_count 3
            casegate_ledger_batch_entries_sum 4
            """
        #expect(try LedgerCommitSample(prometheusText: reordered, at: now).buckets.map(\.bound) == [0.001, .infinity])
    }

    @Test("a sample line: labels read pair by pair, so a route's braces, a comma or an escaped quote stay in its value")
    func sampleLine() throws {
        let sample = try PrometheusSample(#"http_server_requests_total{http_route="/v1/views/cases/{id}",note="a,\"b\"",} 3 1700000000000"#, line: 7)
        #expect(sample.name == "http_server_requests_total" && sample.value == 3 && sample.line == 7)
        #expect(sample.labels == ["http_route": "/v1/views/cases/{id}", "note": #"a,\"b\""#])
        #expect(try PrometheusSample("casegate_ledger_entries 12", line: 1).labels.isEmpty)
    }

    @Test(
        "a scrape without the families, or with a line that is not a sample, is refused with its line",
        arguments: [
            ("casegate_requests_total 5\n", GatewayMetricsError.missing("casegate_ledger_commit_duration_seconds")),
            (
                "casegate_ledger_commit_duration_seconds_bucket{le=\"+Inf\"} 1\ncasegate_ledger_commit_duration_seconds_sum 0.1\ncasegate_ledger_commit_duration_seconds_count 1\n",
                .missing("casegate_ledger_batch_entries")
            ),
            (
                "casegate_ledger_commit_duration_seconds_sum 0.1\ncasegate_ledger_commit_duration_seconds_count 1\ncasegate_ledger_batch_entries_sum 1\n",
                .missing("casegate_ledger_commit_duration_seconds_bucket{le=\"+Inf\"}")
            ),
            (
                "# a comment\ncasegate_ledger_commit_duration_seconds_count many\n",
                .malformed(
                    line: 2,
                    reason: "'casegate_ledger_commit_duration_seconds_count many' is not a name, labels, a value and an optional timestamp"
                )
            ),
            (
                "casegate_ledger_commit_duration_seconds_count 1.5\n",
                .malformed(line: 1, reason: "casegate_ledger_commit_duration_seconds_count is 1.5, not a count")
            ),
            ("casegate_ledger_commit_duration_seconds_bucket{le=\"0.1\" 1\n", .malformed(line: 1, reason: "a label set without its '}'")),
            ("casegate_ledger_commit_duration_seconds_bucket{quantile=\"0.1\"} 1\n", .malformed(line: 1, reason: "a bucket without an le label")),
            (
                "casegate_ledger_commit_duration_seconds_bucket{le=0.1} 1\n",
                .malformed(line: 1, reason: "labels 'le=0.1' are not name=\"value\" pairs")
            ),
        ]
    )
    func refuses(text: String, expected: GatewayMetricsError) {
        #expect(throws: expected) { try LedgerCommitSample(prometheusText: text, at: .now) }
    }

    @Test("over a window: commits a second, their mean, entries a commit, those over 1 and 5 ms, the slowest's bucket")
    func window() throws {
        let origin = ContinuousClock.now
        let start = try Self.sample([10, 40, 45, 49, 50, 50], seconds: 0.03, entries: 80, at: origin)
        // Two seconds later: 400 more commits of 1.5 entries, 0.2 s in all; 40 over 1 ms, 4 over 5 ms, none over 10.
        let end = try Self.sample([210, 400, 435, 445, 450, 450], seconds: 0.23, entries: 680, at: origin + .seconds(2))
        let commits = try LedgerCommits(from: start, to: end)
        #expect(commits.commits == 400 && commits.entries == 600)
        #expect(abs(commits.perSecond - 200) < 1e-9)
        #expect(abs(try #require(commits.meanMilliseconds) - 0.5) < 1e-9)
        #expect(commits.entriesPerCommit == 1.5)
        #expect(commits.overOneMillisecond == 40 && commits.overFiveMilliseconds == 4)
        #expect(commits.slowestAtMost == 0.01)
        #expect(abs(commits.writerBusy - 0.1) < 1e-9, "0.2 s of commits in a 2-second window")
        #expect(commits.text == "200 commits/s of 1.5 entries, mean 0.50 ms, 10.0% over 1 ms, 1.0% over 5 ms, p99 ≤ 5 ms, the slowest ≤ 10 ms")
        #expect(commits.p99AtMost == 0.005, "396 of 400 within 5 ms, 390 within 2")
        // A slower commit than the last finite bound, and a window with none.
        let past = try Self.sample([210, 400, 435, 445, 449, 450], seconds: 0.3, entries: 680, at: origin + .seconds(2))
        #expect(try LedgerCommits(from: start, to: past).slowestAtMost == nil)
        let idle = try LedgerCommits(from: start, to: start)
        #expect(idle.commits == 0 && idle.meanMilliseconds == nil && idle.slowestAtMost == nil && idle.text == "no commits")
    }

    @Test("an append's waits apart from its commit: over a window, their means and those over 5 ms; nil from a gateway without them")
    func waits() throws {
        let origin = ContinuousClock.now
        let commits = { (counts: [Int], seconds: Double) in
            Self.scrape(commits: counts.last!, seconds: seconds, entries: 80, buckets: Array(zip(Self.bounds, counts)))
        }
        let start = try LedgerCommitSample(
            prometheusText: commits([10, 40, 45, 49, 50, 50], 0.03)
                + Self.times(LedgerMetrics.queueWait, seconds: 0.01, counts: [70, 75, 78, 80, 80, 80])
                + Self.times(LedgerMetrics.resumeDelay, seconds: 0.02, counts: [60, 70, 75, 79, 80, 80]),
            at: origin
        )
        // 100 more appends: waiting 0.03 s for the writer in all (none over 5 ms), 0.2 s to run again (3 over 5 ms).
        let end = try LedgerCommitSample(
            prometheusText: commits([60, 90, 95, 99, 100, 100], 0.08)
                + Self.times(LedgerMetrics.queueWait, seconds: 0.04, counts: [160, 170, 175, 180, 180, 180])
                + Self.times(LedgerMetrics.resumeDelay, seconds: 0.22, counts: [100, 130, 160, 176, 178, 180]),
            at: origin + .seconds(1)
        )
        let window = try LedgerCommits(from: start, to: end)
        let queued = try #require(window.queueWait)
        let resumed = try #require(window.resumeDelay)
        #expect(queued.count == 100 && queued.overFiveMilliseconds == 0 && queued.overOneMillisecond == 5)
        // 97 of 100 within 2 ms and all within 5: the p99 lies in the 5 ms bucket; the resumes' past 10 ms.
        #expect(queued.p99AtMost == 0.005)
        #expect(abs(try #require(queued.meanMilliseconds) - 0.3) < 1e-9)
        #expect(resumed.count == 100 && resumed.overFiveMilliseconds == 3 && resumed.p99AtMost == nil)
        #expect(abs(try #require(resumed.meanMilliseconds) - 2) < 1e-9)
        #expect(
            window.text.hasSuffix(
                "; an append's wait for the writer mean 0.30 ms, p99 ≤ 5 ms, 0.0% over 5 ms, to run again after its commit mean 2.00 ms, 3.0% over 5 ms"
            )
        )
        var report = LoadReport.oneRequest(endpoint: "view")
        report.ledgerCommits = .success(window)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        let ledger = try #require(json["ledger_commits"] as? [String: Any])
        #expect((ledger["resume_delay"] as? [String: Double])?["over_5ms"] == 3)
        #expect((ledger["queue_wait"] as? [String: Double])?["count"] == 100)
        #expect((ledger["queue_wait"] as? [String: Double])?["p99_at_most_ms"] == 5)
        // A gateway that does not export them: the commits alone, as before.
        let older = try LedgerCommits(
            from: try LedgerCommitSample(prometheusText: commits([10, 40, 45, 49, 50, 50], 0.03), at: origin),
            to: try LedgerCommitSample(prometheusText: commits([60, 90, 95, 99, 100, 100], 0.08), at: origin + .seconds(1))
        )
        #expect(older.queueWait == nil && older.resumeDelay == nil && !older.text.contains("wait"))
        // A family without its +Inf bucket is refused, as the commits' is.
        #expect(throws: GatewayMetricsError.missing(LedgerMetrics.resumeDelay + "_bucket{le=\"+Inf\"}")) {
            try LedgerCommitSample(
                prometheusText: commits([1, 1, 1, 1, 1, 1], 0.001)
                    + "\(LedgerMetrics.resumeDelay)_sum 0.1\n\(LedgerMetrics.resumeDelay)_count 1\n",
                at: origin
            )
        }
    }

    @Test("a count that went back means the gateway restarted: refused, not a negative figure")
    func countersReset() throws {
        let origin = ContinuousClock.now
        let before = try Self.sample([10, 40, 45, 49, 50, 50], seconds: 0.03, entries: 80, at: origin)
        let restarted = try Self.sample([1, 2, 3, 4, 5, 5], seconds: 0.001, entries: 5, at: origin + .seconds(1))
        #expect(throws: GatewayMetricsError.countersReset) { try LedgerCommits(from: before, to: restarted) }
    }

    @Test("buckets without 1 or 5 ms bounds leave those shares out")
    func otherBuckets() throws {
        let origin = ContinuousClock.now
        let text = { (count: Int) in
            Self.scrape(commits: count, seconds: Double(count) / 1000, entries: Double(count), buckets: [("0.1", count), ("+Inf", count)])
        }
        let start = try LedgerCommitSample(prometheusText: text(1), at: origin)
        let end = try LedgerCommitSample(prometheusText: text(11), at: origin + .seconds(1))
        let commits = try LedgerCommits(from: start, to: end)
        #expect(commits.overOneMillisecond == nil && commits.overFiveMilliseconds == nil && commits.slowestAtMost == 0.1)
        #expect(commits.text == "10 commits/s of 1.0 entries, mean 1.00 ms, p99 ≤ 100 ms, the slowest ≤ 100 ms")
    }

    @Test("a report shows the commits or why they could not be read, as text and JSON, and neither when not asked")
    func reported() throws {
        var report = LoadReport.oneRequest(endpoint: "view")
        #expect(!report.text.contains("ledger ") && !report.json.contains("ledger_commits"))
        let origin = ContinuousClock.now
        let start = try Self.sample([10, 40, 45, 49, 50, 50], seconds: 0.03, entries: 80, at: origin)
        let end = try Self.sample([210, 400, 435, 445, 450, 450], seconds: 0.23, entries: 680, at: origin + .seconds(2))
        report.ledgerCommits = .success(try LedgerCommits(from: start, to: end))
        #expect(report.text.contains("ledger        200 commits/s of 1.5 entries, mean 0.50 ms"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        let ledger = try #require(json["ledger_commits"] as? [String: Double])
        #expect(ledger["commits"] == 400 && ledger["over_5ms"] == 4 && ledger["slowest_at_most_ms"] == 10 && ledger["p99_at_most_ms"] == 5)
        #expect(abs((ledger["mean_ms"] ?? 0) - 0.5) < 1e-9)
        report.ledgerCommits = .failure(.status(404))
        #expect(report.text.contains("ledger        not read: the metrics listener answered 404"))
        #expect(report.json.contains("\"ledger_commits_error\":\"the metrics listener answered 404\""))
    }
}
