import CaseModel
import Foundation
import Hummingbird
import SharingPolicy

/// A JSON merge patch (RFC 7396) body, `application/merge-patch+json`: an object whose members name the
/// fields to change, `null` removing one. Members the resource does not have are a 400 naming the nearest
/// one it has; members it has but a patch may not change are a 422 naming them; nothing is written either way.
struct MergePatch {
    static let mediaType = "application/merge-patch+json"

    let members: [String: Any]

    /// Reads the body. `patchable` are the members a patch may set; `fixed` the resource's other members,
    /// each with why it cannot be patched.
    static func read(
        _ request: Request,
        maxBodyBytes: Int,
        patchable: [String],
        fixed: [String: String]
    ) async throws -> MergePatch {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix(mediaType) else {
            throw Problem(.unsupportedMediaType, type: "unsupported-media-type", detail: "a patch must be \(mediaType) (RFC 7396)")
        }
        var request = request
        let data = Data(buffer: try await request.collectBody(upTo: maxBodyBytes))
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Problem.badRequest("a merge patch must be a well-formed JSON object")
        }
        for name in object.keys.sorted() where !patchable.contains(name) {
            if let reason = fixed[name] { throw Problem.unprocessable("'\(name)' cannot be patched: \(reason)") }
            throw Problem.badRequest("unknown field '\(name)'\(suggestion(for: name, among: patchable + fixed.keys))")
        }
        return MergePatch(members: object)
    }

    /// A member that may be set but not removed.
    func required<T: Decodable & Sendable & Equatable>(_ name: String, _ type: T.Type) throws(Problem) -> T? {
        switch try optional(name, type) {
        case .absent: return nil
        case .null: throw Problem.badRequest("'\(name)' cannot be removed, only changed")
        case .value(let value): return value
        }
    }

    /// A member that may be set, or removed with null; decoded as the API decodes bodies (types, dates,
    /// addresses), so a wrong type is the same 400 naming the field.
    func optional<T: Decodable & Sendable & Equatable>(_ name: String, _ type: T.Type) throws(Problem) -> PatchValue<T> {
        guard let value = members[name] else { return .absent }
        if value is NSNull { return .null }
        do {
            let data = try JSONSerialization.data(withJSONObject: [name: value], options: [.fragmentsAllowed])
            return .value(try APICoding.decoder.decode([String: T].self, from: data)[name]!)
        } catch let error as DecodingError {
            throw Problem.badRequest(StrictJSONDecoding.describe(error))
        } catch {
            throw Problem.badRequest("'\(name)' is not well-formed")
        }
    }
}
