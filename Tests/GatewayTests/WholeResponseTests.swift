import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import Gateway

/// `WholeResponseMiddleware` gives a body of known length back as one buffer, with what inner middleware
/// wrapped around it (as `MetricsMiddleware` does) already run, and leaves other bodies streaming.
@Suite("Whole responses")
struct WholeResponseTests {
    @Test("a wrapped body of known length: gathered, its wrapper run, written whole in one write")
    func gathersWrappedBody() async throws {
        let ran = Flag()
        let text = String(repeating: "disclosure ", count: 300)
        let inner = Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        let response = try await Self.handle(Self.wrapped(inner, ran: ran))
        #expect(ran.isSet, "the wrapper ran as the body was gathered, before the response was returned")
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "application/json")
        #expect(response.body.contentLength == text.utf8.count)
        let written = try await Self.write(response.body)
        #expect(written.writes == [text])
        #expect(written.finished && written.trailers == nil)
    }

    @Test("a body written in several parts comes out as one buffer of all of them, in order")
    func joinsParts() async throws {
        let parts = ["{\"a\":", "1,", "\"b\":2}"]
        let inner = Response(status: .ok, body: .init(contentsOf: parts.map { ByteBuffer(string: $0) }))
        let written = try await Self.write(try await Self.handle(inner).body)
        #expect(written.writes == [parts.joined()])
    }

    @Test("an empty body stays empty: no part written, only the end")
    func keepsEmptyBody() async throws {
        let ran = Flag()
        let response = try await Self.handle(Self.wrapped(Response(status: .noContent), ran: ran))
        #expect(ran.isSet)
        #expect(response.body.contentLength == 0)
        let written = try await Self.write(response.body)
        #expect(written.writes.isEmpty && written.finished)
    }

    @Test("trailers stay after the gathered body")
    func keepsTrailers() async throws {
        let inner = Response(
            status: .ok,
            body: ResponseBody(contentLength: 2) { writer in
                try await writer.write(ByteBuffer(string: "ok"))
                try await writer.finish([.init("Casegate-Test")!: "done"])
            }
        )
        let written = try await Self.write(try await Self.handle(inner).body)
        #expect(written.writes == ["ok"])
        #expect(written.trailers?[.init("Casegate-Test")!] == "done")
    }

    @Test("a body of unknown length, or longer than the limit, is left to stream: its wrapper has not run")
    func leavesStreams() async throws {
        for (body, limit) in [
            (
                ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "chunk"))
                    try await writer.finish(nil)
                }, 16 << 20
            ),
            (ResponseBody(byteBuffer: ByteBuffer(string: "longer than eight bytes")), 8),
        ] {
            let ran = Flag()
            let response = try await Self.handle(Self.wrapped(Response(status: .ok, body: body), ran: ran), limit: limit)
            #expect(!ran.isSet)
            _ = try await Self.write(response.body)
            #expect(ran.isSet, "the wrapper runs when the body is written")
        }
    }

    /// `response` with its body wrapped the way `MetricsMiddleware` wraps it: a closure that writes it, then records.
    fileprivate static func wrapped(_ response: Response, ran: Flag) -> Response {
        var response = response
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(writer)
            ran.set()
        }
        return response
    }

    static func handle(_ inner: Response, limit: Int = 16 << 20) async throws -> Response {
        let context = BasicRequestContext(source: .init(channel: EmbeddedChannel(), logger: Logger(label: "test")))
        let request = Request(head: .init(method: .get, scheme: "https", authority: "localhost", path: "/"), body: .init(buffer: ByteBuffer()))
        return try await WholeResponseMiddleware(limit: limit).handle(request, context: context) { _, _ in inner }
    }

    fileprivate static func write(_ body: ResponseBody) async throws -> RecordingWriter {
        let writer = RecordingWriter()
        try await body.write(writer)
        return writer
    }
}

/// Set once, read from anywhere.
private final class Flag: Sendable {
    private let state = Mutex(false)
    var isSet: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}

/// What a body wrote, call by call.
private final class RecordingWriter: ResponseBodyWriter {
    var writes: [String] = []
    var finished = false
    var trailers: HTTPFields?

    func write(_ buffer: ByteBuffer) async throws { writes.append(String(buffer: buffer)) }

    func finish(_ trailingHeaders: HTTPFields?) async throws {
        finished = true
        trailers = trailingHeaders
    }
}
