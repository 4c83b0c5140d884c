import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import Gateway
@testable import LoadTest

/// The operations listener over a real socket: Prometheus text after a mixed load, every metric named and
/// typed as expected, labels only from a fixed set, and no identifier of a case, person, token or
/// certificate in any label value.
@Suite("Metrics on the operations listener")
struct MetricsTests {
    static let expected: [String: String] = [
        "http_server_requests_total": "counter",
        "http_server_request_duration_seconds": "histogram",
        "http_server_active_requests": "gauge",
        "casegate_disclosures_total": "counter",
        "casegate_partner_refusals_total": "counter",
        "casegate_tls_handshake_refusals_total": "counter",
        "casegate_view_cache_requests_total": "counter",
        "casegate_ledger_entries": "gauge",
        "casegate_ledger_batch_entries": "histogram",
        "casegate_ledger_commit_duration_seconds": "histogram",
        "casegate_ledger_queue_wait_seconds": "histogram",
        "casegate_ledger_resume_delay_seconds": "histogram",
        "casegate_ledger_checkpoint_age_seconds": "gauge",
        "casegate_build_info": "gauge",
        "casegate_certificate_expiry_seconds": "gauge",
        "process_resident_memory_bytes": "gauge",
        "process_open_fds": "gauge",
    ]
    /// Metrics that may appear, depending on what else ran in this process.
    static let optional: [String: String] = [
        "http_server_request_errors_total": "counter",
        "casegate_retention_sweep_cases": "gauge",
        "casegate_witness_lag_entries": "gauge",
        "casegate_witness_failing": "gauge",
        "casegate_retention_sweeps_total": "counter",
    ]
    static let labelNames: Set = [
        "listener", "http_route", "http_request_method", "http_response_status_code", "error_type", "partner", "purpose", "reason",
        "result", "state", "version", "commit", "certificate", "le", "witness",
    ]

    struct Sample {
        var name: String
        var labels: [String: String]
    }

    @Test("after a mixed load: the expected names and types, labels from a fixed set, no identifier in any label value")
    func scrape() async throws {
        let (fixture, fixtures) = try await PartnerViewTests.fixtureGateway()
        let token = try await fixture.environment.users.add(name: "Casey Metrics", role: .caseworker).token
        let text = try await fixture.withRunningGateway { gateway in
            let metricsPort = try #require(gateway.metricsPort)
            try await using(try gateway.partnerClient(fixture.metPolice)) { client in
                for f in fixtures {
                    _ = try await client.get("/v1/views/cases/\(f.case.id.uuidString)")
                    _ = try await client.get("/v1/views/cases/\(f.case.id.uuidString)")
                }
                _ = try await client.get("/v1/views/cases?limit=5")
                _ = try await client.get("/v1/views/cases/\(UUID().uuidString)")
            }
            let stranger = try fixture.ca.issueClient(commonName: "acme", organisation: "Acme Investigations Ltd")
            _ = try await using(try gateway.partnerClient(stranger)) { try await $0.get("/v1/whoami") }
            _ = try? await using(try gateway.partnerClient(nil)) { try await $0.get("/v1/whoami") }
            try await using(try gateway.staffClient()) { client in
                _ = try await client.execute(
                    .init(
                        "/v1/cases",
                        method: .post,
                        headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                        body: ByteBuffer(string: StaffAPITests.newCase)
                    )
                )
                _ = try await client.get("/v1/cases?limit=3", headers: [.authorization: "Bearer \(token)"])
                _ = try await client.get("/no/such/route")
            }
            _ = try await fixture.environment.ledger.checkpoint()
            return try await using(TestClient(host: "127.0.0.1", port: metricsPort, configuration: .init())) { client in
                let response = try await client.get("/metrics")
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                return String(buffer: try #require(response.body))
            }
        }

        let (types, samples) = try Self.parse(text)
        for (name, type) in Self.expected {
            #expect(types[name] == type, "\(name) should be a \(type), is \(types[name] ?? "missing")")
        }
        for (name, type) in types {
            #expect((Self.expected[name] ?? Self.optional[name]) == type, "unexpected metric \(name) (\(type))")
        }
        let identifiers = Set(
            fixtures.flatMap { f in [f.case.id.uuidString, f.case.reference] + f.case.parties.map(\.name) }
                + [token, try fixture.metPolice.fingerprint]
        )
        for sample in samples {
            #expect(Set(sample.labels.keys).isSubset(of: Self.labelNames), "\(sample.name) has labels \(sample.labels.keys.sorted())")
            for value in sample.labels.values {
                #expect(!identifiers.contains(value), "\(sample.name) carries an identifier in a label")
                #expect(value.range(of: #"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-"#, options: .regularExpression) == nil, "\(sample.name): \(value)")
            }
        }
        func has(_ name: String, _ labels: [String: String]) -> Bool {
            samples.contains { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }
        }
        #expect(has("http_server_requests_total", ["listener": "partner", "http_route": "/v1/views/cases/{id}", "http_response_status_code": "200"]))
        #expect(has("http_server_requests_total", ["listener": "staff", "http_route": "/v1/cases", "http_request_method": "POST"]))
        #expect(has("casegate_disclosures_total", ["partner": "met-police", "purpose": "asb-case-coordination"]))
        #expect(has("casegate_partner_refusals_total", ["reason": "unknown_certificate"]))
        #expect(has("casegate_partner_refusals_total", ["reason": "not_admitted"]))
        #expect(has("casegate_tls_handshake_refusals_total", ["listener": "partner", "reason": "no_certificate"]))
        #expect(has("casegate_view_cache_requests_total", ["result": "hit"]))
        #expect(has("casegate_build_info", ["version": BuildInfo.version]))
        // An append's waits apart from its commit, recorded for every caller: queued before it is answered.
        let ledger = try LedgerCommitSample(prometheusText: text, at: .now)
        let queued = try #require(ledger.queueWait)
        let resumed = try #require(ledger.resumeDelay)
        #expect(resumed.count > 0 && queued.count >= resumed.count && resumed.seconds > 0)
        #expect(
            has("casegate_certificate_expiry_seconds", ["certificate": "server"])
                && has("casegate_certificate_expiry_seconds", ["certificate": "partner_ca"])
        )
    }

    /// `# TYPE` lines and samples of the Prometheus text format (0.0.4).
    static func parse(_ text: String) throws -> (types: [String: String], samples: [Sample]) {
        var types: [String: String] = [:]
        var samples: [Sample] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("#") { continue }
            let sample = try PrometheusSample(line, line: number + 1)
            let name = String(sample.name)
            let labels = Dictionary(uniqueKeysWithValues: sample.labels.map { (String($0.key), String($0.value)) })
            let family =
                ["_bucket", "_sum", "_count"].first { name.hasSuffix($0) && types[String(name.dropLast($0.count))] == "histogram" }
                .map { String(name.dropLast($0.count)) } ?? name
            samples.append(Sample(name: family, labels: labels))
        }
        return (types, samples)
    }
}
