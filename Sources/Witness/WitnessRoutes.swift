import ByteEncoding
import Crypto
import Foundation
import Hummingbird
import Ledger

/// The witness's HTTP interface (C2SP tlog-witness), with the submission and monitoring prefixes both at
/// the root: `POST /add-checkpoint` and `GET /<hex SHA-256 of the origin>/checkpoint`.
public struct WitnessRoutes: Sendable {
    public let witness: Witness
    /// A request is a few proof lines and a checkpoint; anything much larger is not one.
    static let maximumBody = 64 << 10

    public init(witness: Witness) {
        self.witness = witness
    }

    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("add-checkpoint", use: addCheckpoint)
        router.get("{originHash}/checkpoint", use: checkpoint)
    }

    @Sendable func addCheckpoint(_ request: Request, context: some RequestContext) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumBody)
        } catch {
            return Self.text(.contentTooLarge, "a request body is at most \(Self.maximumBody) bytes\n")
        }
        switch try witness.addCheckpoint(body: String(decoding: body.readableBytesView, as: UTF8.self)) {
        case .cosigned(let line): return Self.text(.ok, line.line)
        case .badRequest(let why): return Self.text(.badRequest, why + "\n")
        case .forbidden(let why): return Self.text(.forbidden, why + "\n")
        case .unknownLog(let why): return Self.text(.notFound, why + "\n")
        case .conflict(let size):
            return Response(status: .conflict, headers: [.contentType: "text/x.tlog.size"], body: .init(byteBuffer: ByteBuffer(string: "\(size)\n")))
        case .inconsistent(let why): return Self.text(.unprocessableContent, why + "\n")
        }
    }

    @Sendable func checkpoint(_ request: Request, context: some RequestContext) async throws -> Response {
        let hash = try context.parameters.require("originHash")
        let known = witness.logs.keysByOrigin.keys.first { SHA256.hash(data: Data($0.utf8)).hexString == hash }
        guard let origin = known, let log = try witness.store.log(origin) else {
            return Self.text(.notFound, "this witness has cosigned no checkpoint for that log\n")
        }
        var response = Self.text(.ok, log.checkpoint)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
