import CaseModel
import Hummingbird

/// The case version an amendment is made against, from `If-Match` (RFC 9110 §13.1.1, strong comparison).
struct VersionPrecondition: Sendable {
    /// nil: any version (no header where none is required, or `*`).
    let version: Int?

    static func eTag(_ version: Int) -> String { "\"\(version)\"" }

    /// A version a form carried (nil: any).
    init(version: Int?) {
        self.version = version
    }

    init(_ request: Request, required: Bool) throws(Problem) {
        guard let header = request.headers[.ifMatch]?.trimmingCharacters(in: .whitespaces) else {
            if required {
                throw Problem(
                    .preconditionRequired,
                    type: "precondition-required",
                    detail: "send If-Match with the case's ETag from your last read, so that no one's change is overwritten"
                )
            }
            version = nil
            return
        }
        if header == "*" {
            version = nil
            return
        }
        guard header.hasPrefix("\""), header.hasSuffix("\""), header.count > 2, let number = Int(header.dropFirst().dropLast()) else {
            throw Problem.badRequest("If-Match must be the case's ETag, such as \"3\"")
        }
        version = number
    }

    func check(_ c: ASBCase) throws(Problem) {
        guard let version, version != c.version else { return }
        throw Problem(
            .preconditionFailed,
            type: "stale-version",
            detail: "the case has changed since version \(version) (it is at version \(c.version)): read it again, then make the change",
            headers: [.eTag: Self.eTag(c.version)]
        )
    }
}
