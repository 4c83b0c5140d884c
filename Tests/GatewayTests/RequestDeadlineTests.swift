import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import Gateway

/// `RequestDeadlineHandler` on an embedded channel, whose clock moves only when told: the deadline runs
/// from the connection opening and from each response's end, never while a request is being answered.
@Suite("Request deadline")
struct RequestDeadlineTests {
    private static let deadline = TimeAmount.seconds(10)

    /// An open channel with the handler, on a loop whose clock starts at zero.
    private static func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: RequestDeadlineHandler(deadline: deadline))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        return channel
    }

    private static func request(_ channel: EmbeddedChannel) throws {
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: "https", authority: "gateway", path: "/v1/ping")))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        while try channel.readInbound(as: HTTPRequestPart.self) != nil {}
    }

    private static func respond(_ channel: EmbeddedChannel) throws {
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        while try channel.readOutbound(as: HTTPResponsePart.self) != nil {}
    }

    @Test("a connection that sends no whole request is closed at the deadline, not before")
    func firstRequest() throws {
        let channel = try Self.channel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: "https", authority: "gateway", path: "/v1/ping")))
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive, "headers without their end do not stop the deadline")
    }

    @Test("a request being answered is never cut off, however long its answer takes")
    func slowAnswer() throws {
        let channel = try Self.channel()
        try Self.request(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        try Self.respond(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive, "the next request was due ten seconds after the response")
    }

    @Test("the deadline runs from the last response: a timer set for an earlier one does not close the connection")
    func keepAlive() throws {
        let channel = try Self.channel()
        // Requests every 3 s: each response moves the deadline on past the time first set.
        for _ in 0..<5 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(3))
            try Self.request(channel)
            try Self.respond(channel)
        }
        #expect(channel.isActive, "15 s after opening, 0 s after the last response")
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test("a request that arrives whole in time keeps the connection open past the deadline set before it")
    func requestInTime() throws {
        let channel = try Self.channel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        try Self.request(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(channel.isActive)
        try Self.respond(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(!channel.isActive)
    }

    @Test("a handler removed leaves no timer behind")
    func removed() throws {
        let channel = try Self.channel()
        let handler = try channel.pipeline.syncOperations.handler(type: RequestDeadlineHandler.self)
        try channel.pipeline.syncOperations.removeHandler(handler).wait()
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
    }
}
