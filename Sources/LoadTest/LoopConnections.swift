import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The open-loop sender's HTTP/1.1 keep-alive connections on one event loop, used only from that loop.
///
/// A request takes an idle connection, or opens one while the loop has fewer than its share of
/// `--connections`, or waits for the next to come free; its answer completes a future on the loop. No
/// lock, no task and no timer a request: on the two-core bench machine, AsyncHTTPClient's pool, request
/// state machines and per-request deadlines cost the generator about as much as TLS and HTTP together,
/// CPU the gateway beside it then does not get (decision record 0024). A request unanswered after
/// `timeout` has its connection closed, and fails.
final class LoopConnections {
    let loop: any EventLoop
    private let server: PartnerServer
    private let limit: Int
    private let timeout: TimeAmount
    private var idle: [Connection] = []
    private var busy: [ObjectIdentifier: Connection] = [:]
    private var opening = 0
    private var waiting = CircularBuffer<(HTTPRequestHead, EventLoopPromise<Response>)>()
    private var sweep: Scheduled<Void>?
    /// Connections opened so far.
    private(set) var opened = 0

    /// A complete response: its head and whole body.
    struct Response {
        var head: HTTPResponseHead
        var body: ByteBuffer
    }

    init(loop: any EventLoop, server: PartnerServer, limit: Int, timeout: TimeAmount = .seconds(PartnerClient.timeoutSeconds)) {
        self.loop = loop
        self.server = server
        self.limit = max(1, limit)
        self.timeout = timeout
    }

    /// Sends `head` (a request without a body) and completes with the whole response.
    func send(_ head: HTTPRequestHead) -> EventLoopFuture<Response> {
        loop.preconditionInEventLoop()
        let promise = loop.makePromise(of: Response.self)
        if let connection = idle.popLast() {
            start(head, promise, on: connection)
        } else if busy.count + idle.count + opening < limit {
            open(head, promise)
        } else {
            waiting.append((head, promise))
        }
        if sweep == nil { armSweep() }
        return promise.futureResult
    }

    /// Once a second while requests are out: closes the connections of those past their deadline.
    private func armSweep() {
        sweep = loop.assumeIsolated().scheduleTask(in: .seconds(1)) { [self] in
            sweep = nil
            closeOverdue()
            if !busy.isEmpty || !waiting.isEmpty { armSweep() }
        }
    }

    /// Closes every connection; requests still waiting fail.
    func close() -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        sweep?.cancel()
        sweep = nil
        while let (_, promise) = waiting.popFirst() { promise.fail(ChannelError.ioOnClosedChannel) }
        let channels = (idle + busy.values).map(\.channel)
        idle = []
        return EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: loop)
    }

    private func open(_ head: HTTPRequestHead, _ promise: EventLoopPromise<Response>) {
        opening += 1
        opened += 1
        let collector = ResponseCollector()
        // The channel is on this loop (the bootstrap's group is the loop), where the collector lives.
        let handler = NIOLoopBound(collector, eventLoop: loop)
        let server = self.server
        ClientBootstrap(group: loop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try NIOSSLClientHandler(context: server.tls, serverHostname: server.hostnameForTLS)
                    try channel.pipeline.syncOperations.addHandler(tls)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler.value)
                }
            }
            .connect(host: server.host, port: server.port)
            .assumeIsolated()
            .whenComplete { [self] result in
                opening -= 1
                switch result {
                case .success(let channel):
                    let connection = Connection(channel: channel, collector: collector)
                    collector.onClose = { [self] in closed(connection) }
                    start(head, promise, on: connection)
                case .failure(let error):
                    promise.fail(error)
                    // The next waiting request tries a connection of its own, so none waits for ever.
                    openForNextWaiting()
                }
            }
    }

    private func start(_ head: HTTPRequestHead, _ promise: EventLoopPromise<Response>, on connection: Connection) {
        busy[ObjectIdentifier(connection.collector)] = connection
        connection.collector.expect(promise, until: .now() + timeout) { [self] keepAlive in finished(connection, keepAlive: keepAlive) }
        connection.channel.write(HTTPClientRequestPart.head(head), promise: nil)
        connection.channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    /// A response is complete: the connection takes the next waiting request, or goes idle; one the server
    /// will not keep open is closed (and `closed` takes it from there).
    private func finished(_ connection: Connection, keepAlive: Bool) {
        guard keepAlive else { return connection.channel.close(promise: nil) }
        if let (head, promise) = waiting.popFirst() {
            start(head, promise, on: connection)
        } else {
            busy[ObjectIdentifier(connection.collector)] = nil
            idle.append(connection)
        }
    }

    /// A connection closed (by the server, by us, or for a request past its deadline): forget it, and open
    /// another for a waiting request.
    private func closed(_ connection: Connection) {
        busy[ObjectIdentifier(connection.collector)] = nil
        idle.removeAll { $0.collector === connection.collector }
        openForNextWaiting()
    }

    private func openForNextWaiting() {
        if let (head, promise) = waiting.popFirst() { open(head, promise) }
    }

    private func closeOverdue() {
        let now = NIODeadline.now()
        for connection in busy.values where connection.collector.isOverdue(at: now) { connection.channel.close(promise: nil) }
    }

    private struct Connection {
        let channel: any Channel
        let collector: ResponseCollector
    }
}

/// Where the open-loop connections go, and how they speak TLS.
struct PartnerServer: Sendable {
    let host: String
    let port: Int
    let tls: NIOSSLContext

    private var isIPAddress: Bool { (try? SocketAddress(ipAddress: host, port: port)) != nil }

    /// The name sent in SNI and checked against the server's certificate; nil for an IP address, which
    /// SNI cannot carry (NIOSSL then checks the certificate against the address).
    var hostnameForTLS: String? { isIPAddress ? nil : host }

    /// The `Host` header: the port left out when it is HTTPS's own, an IPv6 address in brackets.
    var authority: String {
        let name = isIPAddress && host.contains(":") ? "[\(host)]" : host
        return port == 443 ? name : "\(name):\(port)"
    }
}

/// Collects one response at a time on its connection and says when it is complete.
private final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var promise: EventLoopPromise<LoopConnections.Response>?
    private var deadline = NIODeadline.distantFuture
    private var done: ((Bool) -> Void)?
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()
    /// Why the channel is closing, when an error closed it: what the request in flight fails with.
    private var failure: (any Error)?
    /// Called once when the channel closes, whoever closed it.
    var onClose: (() -> Void)?

    func expect(_ promise: EventLoopPromise<LoopConnections.Response>, until deadline: NIODeadline, done: @escaping (Bool) -> Void) {
        self.promise = promise
        self.deadline = deadline
        self.done = done
        head = nil
        body.clear()
    }

    func isOverdue(at now: NIODeadline) -> Bool { promise != nil && now > deadline }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            guard let promise, let head, let done else { return }
            self.promise = nil
            self.done = nil
            promise.succeed(.init(head: head, body: body))
            body = ByteBuffer()
            done(head.isKeepAlive)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil { failure = error }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise?.fail(failure ?? ChannelError.ioOnClosedChannel)
        promise = nil
        done = nil
        let onClose = self.onClose
        self.onClose = nil
        onClose?()
        context.fireChannelInactive()
    }
}
