import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Connection limits")
struct ConnectionLimitTests {
    @Test("headers past the limit are refused before any handler; ordinary ones pass")
    func headerSize() async throws {
        let fixture = try await GatewayFixture()
        try await fixture.withRunningGateway { gateway in
            let big = try await Self.status(try gateway.staffClient()) {
                try await $0.execute(.init("/healthz", method: .get, headers: [HTTPField.Name("X-Padding")!: String(repeating: "a", count: 20_000)]))
            }
            #expect(big == 400, "a 20 KB header: HTTP decoder error, before any handler")
            let many = try await Self.status(try gateway.staffClient()) { client in
                var headers: HTTPFields = [:]
                for i in 0..<150 { headers[HTTPField.Name("X-H\(i)")!] = "v" }
                return try await client.execute(.init("/healthz", method: .get, headers: headers))
            }
            #expect(many == 400, "150 headers")
            let fine = try await Self.status(try gateway.staffClient()) {
                try await $0.execute(.init("/healthz", method: .get, headers: [HTTPField.Name("X-Padding")!: String(repeating: "a", count: 2_000)]))
            }
            #expect(fine == 200)
        }
    }

    @Test("an idle connection is closed after the configured time")
    func idleTimeout() async throws {
        let fixture = try await GatewayFixture(idleTimeoutSeconds: 1)
        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.partnerClient(fixture.metPolice)) { client in
                #expect(try await client.get("/v1/ping").status == .ok)
                try await Task.sleep(for: .milliseconds(2500))
                await #expect(throws: (any Error).self) { _ = try await client.get("/v1/ping") }
            }
        }
    }

    /// The status, or 0 when the server closed the connection instead of answering.
    static func status(_ client: TestClient, _ request: (TestClient) async throws -> TestClient.Response) async throws -> Int {
        do { return try await using(client) { Int(try await request($0).status.code) } } catch { return 0 }
    }
}
