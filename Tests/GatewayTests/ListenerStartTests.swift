import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Gateway

@Suite("Listeners that cannot start")
struct ListenerStartTests {
    @Test("a port already in use stops the gateway with a message naming the listener and its address")
    func portInUse() async throws {
        let occupier = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(occupier.localAddress?.port)
        let fixture = try await GatewayFixture()
        var configuration = fixture.configuration
        configuration.partnerListener = .init(host: "127.0.0.1", port: port)
        let server = GatewayServer(configuration: configuration, environment: fixture.environment)
        do {
            try await server.serviceGroup().run()
            Issue.record("the gateway started on a port in use")
        } catch let error as ListenerError {
            #expect(error.listener == "partner" && error.address == "127.0.0.1:\(port)")
            #expect(error.description.contains("cannot listen on 127.0.0.1:\(port)"))
        }
        try await occupier.close()
    }
}
