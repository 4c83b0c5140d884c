import DemoData
import DevPKI
import Foundation
import NIOCore
import Storage
import Synchronization
import Testing

@testable import LoadTest

@Suite("casegate loadtest against a running gateway")
struct LoadGeneratorTests {
    /// A gateway with `cases` synthetic cases, and the met-police credentials as files.
    static func gateway(cases: Int) async throws -> (GatewayFixture, PartnerCredentials) {
        let fixture = try await GatewayFixture()
        var generator = DemoCaseGenerator(clock: fixture.environment.clock)
        _ = try await fixture.environment.cases.createMany(generator.makeCases(cases))
        let certificate = fixture.root.appendingPathComponent("met-police.pem")
        let key = fixture.root.appendingPathComponent("met-police.key")
        try fixture.metPolice.certificatePEM.write(to: certificate, atomically: true, encoding: .utf8)
        try fixture.metPolice.privateKeyPEM.write(to: key, atomically: true, encoding: .utf8)
        let ca = fixture.root.appendingPathComponent("certs/ca.pem")
        return (fixture, PartnerCredentials(certificate: certificate.path, privateKey: key.path, serverCA: ca.path))
    }

    @Test("views under load: every request answered, every receipt distinct, inside the checkpoint, and proved")
    func viewLoad() async throws {
        let (fixture, credentials) = try await Self.gateway(cases: 60)
        try await fixture.withRunningGateway { gateway in
            let before = fixture.environment.ledger.size
            let plan = LoadPlan(
                baseURL: "https://localhost:\(gateway.partnerPort)",
                endpoint: .view,
                connections: 4,
                duration: .milliseconds(700),
                warmup: .milliseconds(100),
                credentials: credentials
            )
            let report = try await LoadGenerator(plan: plan).run()
            #expect(report.failed == 0)
            #expect(report.succeeded > 0)
            let receipts = try #require(report.receipts)
            #expect(receipts.passed)
            #expect(receipts.receipts == report.succeeded)
            #expect(receipts.distinct == receipts.receipts)
            #expect(receipts.proofsChecked == min(64, receipts.receipts))
            // Every measured request, the warm-up and the id listing each made one entry.
            let after = fixture.environment.ledger.size
            #expect(after - before >= report.succeeded)
            #expect(report.latency.p50 <= report.latency.p99 && report.latency.p99 <= report.latency.max)
        }
    }

    @Test("open loop: exactly rate × duration requests counted, each receipt proved, p50 ≤ p99 ≤ p99.9 ≤ max from intended send times")
    func openLoop() async throws {
        let (fixture, credentials) = try await Self.gateway(cases: 40)
        try await fixture.withRunningGateway { gateway in
            // A rate a debug build keeps up with on a loaded two-core machine, beside the other suites:
            // the test is about what is counted, not how fast.
            var plan = LoadPlan(
                baseURL: "https://localhost:\(gateway.partnerPort)",
                endpoint: .view,
                connections: 4,
                duration: .seconds(1),
                warmup: .milliseconds(100),
                credentials: credentials,
                rate: 100
            )
            plan.metricsURL = "http://127.0.0.1:\(try #require(gateway.metricsPort))/metrics"
            let report = try await LoadGenerator(plan: plan).run()
            #expect(report.offeredRate == 100)
            #expect(report.sent == 100, "the schedule, not the gateway's pace, decides how many are sent")
            #expect(report.failed == 0 && report.succeeded == 100, "\(report.json)")
            let receipts = try #require(report.receipts)
            #expect(receipts.passed && receipts.distinct == 100)
            let latency = report.latency
            #expect(latency.count == 100)
            #expect(latency.p50 > .zero && latency.p50 <= latency.p99 && latency.p99 <= latency.p999 && latency.p999 <= latency.max)
            #expect(report.json.contains("\"mode\":\"open\"") && report.json.contains("\"p99_9\""))
            #if os(Linux)
            let host = try #require(report.hostCPU, "the machine's CPU over the measured window")
            #expect(host.busy > 0, "a gateway answering 100 views a second keeps the machine busy")
            #expect(report.json.contains("\"host_cpu\""))
            #endif
            // The metrics are the test process's, shared with suites running beside this one: at least these
            // hundred entries were committed in the window, each commit timed.
            let commits = try #require(try report.ledgerCommits?.get())
            #expect(commits.entries >= 100 && commits.commits >= 1)
            #expect((commits.meanMilliseconds ?? 0) > 0 && commits.windowSeconds > 0.5)
        }
    }

    @Test("an event loop's open-loop connections: at most its share opened, requests beyond them wait for one to come free, every one answered")
    func loopConnections() async throws {
        let (fixture, credentials) = try await Self.gateway(cases: 5)
        try await fixture.withRunningGateway { gateway in
            let client = try PartnerClient(baseURL: "https://localhost:\(gateway.partnerPort)", credentials: credentials, connections: 2)
            try await client.closing { client in
                let loop = try #require(client.eventLoops.first { _ in true })
                let ping = client.prepareGET("/v1/ping")
                let (statuses, opened) = try await loop.flatSubmit {
                    let connections = NIOLoopBound(LoopConnections(loop: loop, server: client.server, limit: 2), eventLoop: loop)
                    let replies = (0..<10).map { _ in client.send(ping, on: connections.value) }
                    return EventLoopFuture.whenAllSucceed(replies, on: loop).flatMap { replies in
                        connections.value.close().map { (replies.map(\.status), connections.value.opened) }
                    }
                }.get()
                #expect(statuses == Array(repeating: 200, count: 10))
                #expect(opened == 2, "ten requests at once on two connections at most")
            }
        }
    }

    @Test(
        "open-loop requests to a port nobody listens on fail, those waiting for a connection too; none waits for ever",
        .timeLimit(.minutes(1))
    )
    func loopConnectionRefused() async throws {
        let (fixture, credentials) = try await Self.gateway(cases: 1)
        let port = try await fixture.withRunningGateway { $0.partnerPort }  // free again once the gateway stops
        let client = try PartnerClient(baseURL: "https://localhost:\(port)", credentials: credentials, connections: 1)
        try await client.closing { client in
            let loop = try #require(client.eventLoops.first { _ in true })
            let ping = client.prepareGET("/v1/ping")
            let failed = try await loop.flatSubmit {
                let connections = NIOLoopBound(LoopConnections(loop: loop, server: client.server, limit: 1), eventLoop: loop)
                // One connection at most: the first request opens it, the other four wait for it.
                let replies = (0..<5).map { _ in client.send(ping, on: connections.value) }
                return EventLoopFuture.whenAllComplete(replies, on: loop).flatMap { results in
                    connections.value.close().map { results.filter { if case .failure = $0 { true } else { false } }.count }
                }
            }.get()
            #expect(failed == 5)
        }
    }

    @Test("the open-loop recorder: warm-up answers are not counted, a transport error is, and it waits for the last answer")
    func openLoopRecorder() async throws {
        let recorder = OpenLoopRecorder()
        let ok = PartnerClient.Reply(status: 200, body: ByteBuffer(), ledgerIndex: 7, entryHash: "ab")
        for _ in 0..<4 { recorder.sent() }
        let now = ContinuousClock.now
        recorder.answered(ok, counted: false, latency: .milliseconds(1), at: now)
        recorder.answered(ok, counted: true, latency: .milliseconds(2), at: now)
        recorder.answered(nil, counted: true, latency: .milliseconds(3), at: now)
        let returned = Mutex(false)
        let waiting = Task {
            await recorder.allAnswered()
            returned.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!returned.withLock { $0 }, "one request is still unanswered")
        #expect(recorder.outcomes.succeeded == 1 && recorder.outcomes.transportErrors == 1)
        recorder.answered(PartnerClient.Reply(status: 503, body: ByteBuffer()), counted: true, latency: .milliseconds(4), at: now)
        await waiting.value
        #expect(returned.withLock { $0 })
        let outcomes = recorder.outcomes
        #expect(outcomes.statuses == [503: 1] && outcomes.receipts == [Receipt(index: 7, entryHash: "ab")])
        #expect(outcomes.latencies.totalCount == 1)
    }

    @Test("the open-loop schedule: request k due k / rate after the start; the warm-up's requests first, then exactly rate × duration")
    func openLoopSchedule() {
        let schedule = OpenLoopSchedule(rate: 200, warmup: .milliseconds(100), duration: .seconds(2))
        #expect(schedule.warmupRequests == 20 && schedule.total == 420)
        #expect(schedule.offset(of: 0) == .zero && schedule.offset(of: 1) == .milliseconds(5) && schedule.offset(of: 400) == .seconds(2))
    }

    @Test("ping answers without touching cases or the ledger; a metrics listener that does not answer is reported, and the run still measures")
    func pingLoad() async throws {
        let (fixture, credentials) = try await Self.gateway(cases: 1)
        try await fixture.withRunningGateway { gateway in
            let before = fixture.environment.ledger.size
            var plan = LoadPlan(
                baseURL: "https://localhost:\(gateway.partnerPort)",
                endpoint: .ping,
                connections: 2,
                duration: .milliseconds(300),
                warmup: .zero,
                credentials: credentials
            )
            // The partner listener speaks TLS only: a plain HTTP scrape of it gets no metrics.
            plan.metricsURL = "http://127.0.0.1:\(gateway.partnerPort)/metrics"
            let report = try await LoadGenerator(plan: plan).run()
            #expect(report.failed == 0)
            #expect(report.succeeded > 0)
            #expect(report.receipts == nil)
            #expect(fixture.environment.ledger.size == before)
            guard case .failure(.unreachable) = report.ledgerCommits else {
                Issue.record("expected the scrape to fail, got \(String(describing: report.ledgerCommits))")
                return
            }
            #expect(report.text.contains("ledger        not read: the metrics listener did not answer"))
        }
    }

    @Test(
        "a stop signal ends a long run early, closed or open loop, and reports the time it measured; an open loop sends no more and waits for every answer it is owed",
        .timeLimit(.minutes(2)),
        arguments: [nil, 50] as [Double?]
    )
    func stopEarly(rate: Double?) async throws {
        let (fixture, credentials) = try await Self.gateway(cases: 1)
        try await fixture.withRunningGateway { gateway in
            let plan = LoadPlan(
                baseURL: "https://localhost:\(gateway.partnerPort)",
                endpoint: .ping,
                connections: 2,
                duration: .seconds(600),
                warmup: .zero,
                credentials: credentials,
                rate: rate
            )
            let stop = StopSignal()
            let stopper = Task {
                try await Task.sleep(for: .milliseconds(500))
                stop.stop()
            }
            let started = ContinuousClock.now
            let report = try await LoadGenerator(plan: plan).run(stop: stop)
            let elapsed = ContinuousClock.now - started
            try await stopper.value
            #expect(report.succeeded > 0 && report.failed == 0, "\(report.json)")
            // Bounded by what happened, not by a wall-clock guess a loaded machine can miss: the report's time
            // is inside the run's, and the run ended long before the 600 s it was planned for.
            #expect(report.duration >= .milliseconds(400) && report.duration <= elapsed, "\(report.duration) of \(elapsed)")
            #expect(elapsed < plan.duration / 10, "the run ended at the signal, not at its planned end")
            if rate != nil {
                #expect(try #require(report.sent) < 100, "sending stops with the signal, not after 600 s")
                #expect(report.latency.count == report.succeeded, "every request sent was answered before the report")
            }
        }
    }

    @Test("a bulk pull gets every admitted case once, one receipt per page")
    func bulkPull() async throws {
        let (fixture, credentials) = try await Self.gateway(cases: 150)
        try await fixture.withRunningGateway { gateway in
            let report = try await PartnerClient(baseURL: "https://localhost:\(gateway.partnerPort)", credentials: credentials, connections: 1)
                .closing { try await BulkPull(client: $0, purpose: nil, pageSize: 25).run() }
            let admitted = try await fixture.environment.cases.list(.init(limit: 1000)).cases
                .filter { fixture.environment.policies.current.policy(partner: "met-police", purpose: nil)!.purpose.records.admits($0) }
            #expect(report.views == admitted.count)
            #expect(admitted.count > 25)
            // Every page that carried views carried a receipt; a trailing empty page discloses nothing.
            #expect(report.receipts == (admitted.count + 24) / 25)
        }
    }

    // A zero-length window: the refusal is still reported, because every connection sends one request
    // (a busy CI machine once started the loop after a 200 ms window had passed, and nothing was sent).
    @Test("a client certificate the gateway does not know is refused, and reported even from an empty window")
    func refusedCertificate() async throws {
        let (fixture, credentials) = try await Self.gateway(cases: 1)
        let stranger = try DevCertificateAuthority.create(commonName: "Elsewhere CA").issueClient(commonName: "x", organisation: "Nobody")
        let certificate = fixture.root.appendingPathComponent("stranger.pem")
        let key = fixture.root.appendingPathComponent("stranger.key")
        try stranger.certificatePEM.write(to: certificate, atomically: true, encoding: .utf8)
        try stranger.privateKeyPEM.write(to: key, atomically: true, encoding: .utf8)
        try await fixture.withRunningGateway { gateway in
            let plan = LoadPlan(
                baseURL: "https://localhost:\(gateway.partnerPort)",
                endpoint: .ping,
                connections: 1,
                duration: .zero,
                warmup: .zero,
                credentials: PartnerCredentials(certificate: certificate.path, privateKey: key.path, serverCA: credentials.serverCA)
            )
            let report = try await LoadGenerator(plan: plan).run()
            #expect(report.succeeded == 0)
            #expect(report.transportErrors == 1)
            #expect(report.failedByStatus.isEmpty)
        }
    }
}
