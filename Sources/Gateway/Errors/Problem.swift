import Foundation
import Hummingbird

/// An RFC 9457 problem: every error the API returns is one of these, as
/// `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// A short, fixed summary of the problem type.
    public var title: String
    /// What exactly went wrong with this request. Never holds personal data.
    public var detail: String
    /// A URI naming the problem type.
    public var type: String
    public var headers: HTTPFields
    /// Itemised problems (an RFC 9457 extension member), e.g. every error in a rejected policy set.
    public var errors: [String]?

    public init(
        _ status: HTTPResponse.Status,
        type: String,
        title: String? = nil,
        detail: String,
        headers: HTTPFields = [:],
        errors: [String]? = nil
    ) {
        self.status = status
        self.type = "https://casegate.dev/problems/\(type)"
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.headers = headers
        self.errors = errors
    }

    public static let contentType = "application/problem+json"

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(type: type, title: title, status: status.code, detail: detail, instance: request.uri.path, errors: errors)
        let data = try Self.encoder.encode(body)
        var headers = self.headers
        headers[.contentType] = Self.contentType
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    struct Body: Codable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var instance: String
        var errors: [String]?
    }
}

extension Problem {
    static func badRequest(_ detail: String) -> Problem {
        Problem(.badRequest, type: "invalid-request", detail: detail)
    }

    static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, type: "not-found", detail: detail)
    }

    static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, type: "forbidden", detail: detail)
    }

    static func unauthorised(_ detail: String) -> Problem {
        Problem(.unauthorized, type: "unauthenticated", detail: detail, headers: [.wwwAuthenticate: "Bearer realm=\"casegate\""])
    }

    static func unprocessable(_ detail: String) -> Problem {
        Problem(.unprocessableContent, type: "rule-violation", detail: detail)
    }

    static func unavailable(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, type: "unavailable", detail: detail, headers: [.retryAfter: "5"])
    }
}
