import AsyncHTTPClient
import Foundation
import Ledger
import NIOCore
import NIOHTTP1
import NIOSSL

/// An HTTP/1.1 client that presents a partner's certificate, over a pool of keep-alive connections.
public struct PartnerClient: Sendable {
    let http: HTTPClient
    let baseURL: String
    /// The same server and TLS for the open-loop sender's own connections (`LoopConnections`).
    let server: PartnerServer
    /// Where every receipt this client is given is written, when set.
    let receiptLog: ReceiptLog?

    public init(baseURL: String, credentials: PartnerCredentials, connections: Int, receiptLog: ReceiptLog? = nil) throws {
        self.receiptLog = receiptLog
        guard let url = URL(string: baseURL), let host = url.host else { throw LoadTestError.badURL(baseURL) }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        do {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(credentials.certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: credentials.privateKey, format: .pem))
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(credentials.serverCA))
            self.server = PartnerServer(host: host, port: url.port ?? 443, tls: try NIOSSLContext(configuration: tls))
        } catch {
            throw LoadTestError.unreadableCredentials("\(error)")
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            timeout: .init(connect: .seconds(10), read: .seconds(30)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        )
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// One GET; the whole body is read so the connection can be reused.
    public func get(_ path: String) async throws -> Reply {
        try await send(.GET, path)
    }

    /// Any request, with a bearer token and a JSON body when given (the staff listener takes these).
    public func send(_ method: HTTPMethod, _ path: String, bearer: String? = nil, json: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await http.execute(request, timeout: .seconds(Self.timeoutSeconds))
        let body = try await response.body.collect(upTo: 64 << 20)
        return reply(status: response.status, headers: response.headers, body: body, path: path)
    }

    /// A GET whose head is made once, to be sent many times (`send(_:on:)`).
    public struct PreparedGET: Sendable {
        let path: String
        let head: HTTPRequestHead
    }

    public func prepareGET(_ path: String) -> PreparedGET {
        PreparedGET(path: path, head: HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: ["Host": server.authority]))
    }

    /// Sends a prepared GET on `connections`' loop and completes on it: no task and no hop to the
    /// concurrency pool on the way (`OpenLoopSender`).
    func send(_ get: PreparedGET, on connections: LoopConnections) -> EventLoopFuture<Reply> {
        connections.send(get.head).map { response in
            reply(status: response.head.status, headers: response.head.headers, body: response.body, path: get.path)
        }
    }

    /// The event loops the client's connections run on.
    var eventLoops: some Sequence<any EventLoop> { http.eventLoopGroup.makeIterator() }

    /// How long a request may wait for its answer, on either kind of connection.
    static let timeoutSeconds: Int64 = 30

    /// The reply to `path`, its receipt written to the receipt log when there is one.
    private func reply(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, path: String) -> Reply {
        let reply = Reply(
            status: status.code,
            body: body,
            ledgerIndex: headers.first(name: ReceiptHeaders.ledgerIndex).flatMap(Int.init),
            entryHash: headers.first(name: ReceiptHeaders.entryHash),
            retryAfter: headers.first(name: "Retry-After").flatMap(Int.init)
        )
        if let receiptLog, let index = reply.ledgerIndex, let hash = reply.entryHash {
            receiptLog.record(ReceiptLog.Line(index: index, entryHash: hash, path: path))
        }
        return reply
    }

    /// A GET that must answer 200.
    func getOK(_ path: String) async throws -> Reply {
        let reply = try await get(path)
        guard reply.status == 200 else {
            throw LoadTestError.unexpectedStatus(path: path, status: reply.status, detail: String(buffer: reply.body))
        }
        return reply
    }

    public func shutdown() async throws {
        receiptLog?.close()
        try await http.shutdown()
    }

    /// Runs `body` with this client, then shuts it down, also when `body` throws: a client dropped without
    /// `shutdown()` keeps its connections open (and a debug build of AsyncHTTPClient stops the process).
    public func closing<T: Sendable>(_ body: (PartnerClient) async throws -> T) async throws -> T {
        let result: T
        do {
            result = try await body(self)
        } catch {
            try? await shutdown()
            throw error
        }
        try await shutdown()
        return result
    }

    public struct Reply: Sendable {
        public var status: UInt
        public var body: ByteBuffer
        /// The receipt: the ledger index of the entry recording this disclosure, and its leaf hash.
        public var ledgerIndex: Int?
        public var entryHash: String?
        /// Seconds to wait, on a 429 or 503.
        public var retryAfter: Int? = nil
    }
}

extension String {
    /// Percent-encodes a query value.
    var queryEscaped: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? self
    }
}
