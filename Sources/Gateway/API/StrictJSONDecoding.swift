import Foundation
import Hummingbird

/// Decodes a JSON request body strictly: the body must be JSON, within the
/// size limit, of the right types, and carry no field the type does not know.
/// Every failure is a 400 problem naming the field.
struct StrictJSONDecoding {
    let maxBodyBytes: Int

    func decode<T: Codable>(_ type: T.Type, from request: Request) async throws -> T {
        if let contentType = request.headers[.contentType],
            !contentType.lowercased().hasPrefix("application/json")
        {
            throw Problem(.unsupportedMediaType, type: "unsupported-media-type", detail: "the body must be application/json")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw Problem(.contentTooLarge, type: "body-too-large", detail: "the request body is \(length) bytes; the limit is \(maxBodyBytes)")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        let data = Data(buffer: buffer)
        let raw: Any
        do {
            raw = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw Problem.badRequest("the body is not well-formed JSON")
        }
        let value: T
        do {
            value = try APICoding.decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Problem.badRequest(Self.describe(error))
        }
        // Whatever the input holds that the decoded value does not write back out is a field we do not know.
        let echoed = try JSONSerialization.jsonObject(with: APICoding.encoder.encode(value), options: [.fragmentsAllowed])
        if let unknown = Self.firstUnknownKey(in: raw, comparedWith: echoed, path: "") {
            throw Problem.badRequest("unknown field '\(unknown)'")
        }
        return value
    }

    static func firstUnknownKey(in input: Any, comparedWith known: Any, path: String) -> String? {
        if let object = input as? [String: Any] {
            let knownObject = known as? [String: Any] ?? [:]
            for key in object.keys.sorted() {
                let value = object[key]!
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard let knownValue = knownObject[key] else {
                    if value is NSNull { continue }  // an explicit null for an absent optional
                    return childPath
                }
                if let found = firstUnknownKey(in: value, comparedWith: knownValue, path: childPath) { return found }
            }
        } else if let array = input as? [Any], let knownArray = known as? [Any] {
            for (index, element) in array.enumerated() where index < knownArray.count {
                if let found = firstUnknownKey(in: element, comparedWith: knownArray[index], path: "\(path)[\(index)]") {
                    return found
                }
            }
        }
        return nil
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? snake(key.stringValue) }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
            return p.isEmpty ? "the body" : "'\(p)'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let prefix = context.codingPath.isEmpty ? "" : "\(path(context).dropFirst().dropLast())."
            return "missing field '\(prefix)\(snake(key.stringValue))'"
        case .typeMismatch(let type, let context):
            return "\(path(context)) must be \(describe(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context)) must be \(describe(type)), not null"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "the body does not match the expected shape"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }

    private static func snake(_ key: String) -> String {
        key.reduce(into: "") { out, ch in
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
    }
}
