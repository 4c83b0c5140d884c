import Hummingbird
import NIOCore

/// Hands Hummingbird a response whose body is already in memory as one buffer again, so that its head,
/// body and end go to the connection in one write.
///
/// Hummingbird writes a one-buffer body together with its head: one flush, one TLS record batch, one
/// socket write and one hop to the connection's event loop. `MetricsMiddleware` wraps every body in a
/// closure that records the request once it is written, and Hummingbird writes such a body part by part:
/// the head, the body and the end each flushed, with a hop to the event loop for each and a socket
/// write for each of the first two. This runs outside it and gathers a body of known length back into
/// one buffer; the wrapped closures, the metrics' among them, run as it gathers, which is when the
/// body is handed to the connection. Every body this gateway answers with is a single buffer already,
/// so gathering it copies nothing. A body of unknown length, or past `limit`, is streamed as it was.
struct WholeResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Bodies longer than this are written as they come rather than gathered.
    var limit = 16 << 20

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard let length = response.body.contentLength, length <= limit else { return response }
        let gathered = GatheredBody()
        try await response.body.write(gathered)
        // Trailers cannot follow a body given as a buffer; a body that ends with them keeps its closure.
        if let trailers = gathered.trailers {
            let buffer = gathered.buffer ?? ByteBuffer()
            response.body = ResponseBody(contentLength: buffer.readableBytes) { writer in
                try await writer.write(buffer)
                try await writer.finish(trailers)
            }
        } else if let buffer = gathered.buffer {
            response.body = ResponseBody(byteBuffer: buffer)
        } else {
            response.body = ResponseBody()
        }
        return response
    }
}

/// A body writer that keeps what it is given: the first buffer as it is, any later ones appended to it;
/// nil when nothing was written.
private final class GatheredBody: ResponseBodyWriter {
    var buffer: ByteBuffer?
    var trailers: HTTPFields?

    func write(_ part: ByteBuffer) async throws {
        guard buffer != nil else {
            buffer = part
            return
        }
        var part = part
        buffer!.writeBuffer(&part)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {
        trailers = trailingHeaders
    }
}
