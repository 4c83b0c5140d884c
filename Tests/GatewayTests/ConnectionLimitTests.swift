import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOPosix
import NIOSSL
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

    @Test("a client trickling its headers is cut off at the request deadline, though it is never idle")
    func slowClient() async throws {
        let fixture = try await GatewayFixture(idleTimeoutSeconds: 30, requestTimeoutSeconds: 1)
        try await fixture.withRunningGateway { gateway in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(fixture.ca.issued.certificatePEM.utf8), format: .pem)])
            let context = try NIOSSLContext(configuration: tls)
            // The server's deadline runs from the connection opening, so timing starts before the connect:
            // a loaded machine's delay in returning from it can then only lengthen what is measured.
            let start = ContinuousClock.now
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    }
                }
                .connect(host: "127.0.0.1", port: gateway.staffPort).get()
            try await channel.writeAndFlush(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"))
            // One header line every 200 ms: never idle for a second, never finished.
            var closedAfter: Duration?
            for n in 0..<25 {
                try await Task.sleep(for: .milliseconds(200))
                if !channel.isActive {
                    closedAfter = ContinuousClock.now - start
                    break
                }
                try? await channel.writeAndFlush(ByteBuffer(string: "X-Slow-\(n): y\r\n"))
            }
            let after = try #require(closedAfter, "the server kept a trickling client for 5 s")
            #expect(after >= .milliseconds(900) && after < .seconds(3))
            try? await channel.close()
        }
    }

    /// The status, or 0 when the server closed the connection instead of answering.
    static func status(_ client: TestClient, _ request: (TestClient) async throws -> TestClient.Response) async throws -> Int {
        do { return try await using(client) { Int(try await request($0).status.code) } } catch { return 0 }
    }
}
