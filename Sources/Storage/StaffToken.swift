import ByteEncoding
import Crypto
import Foundation

/// A personal bearer token, `cgt_<user id>_<secret>`, or a console session's cookie value,
/// `cgs_<session id>_<secret>`. The id finds the row; the 256-bit secret is checked against its
/// stored SHA-256 in constant time.
public struct StaffToken: Sendable, Equatable {
    /// The user's id (or, for a session, the session's).
    public let userID: String
    package let secret: String
    package let prefix: String

    static let userPrefix = "cgt_"
    static let sessionPrefix = "cgs_"

    /// A fresh token for a new user id.
    public static func generate() -> StaffToken { generate(prefix: userPrefix, idPrefix: "u") }

    /// A fresh secret for an existing user (a rotation).
    public static func generate(userID: String) -> StaffToken {
        let fresh = generate(prefix: userPrefix, idPrefix: "u")
        return StaffToken(userID: userID, secret: fresh.secret, prefix: userPrefix)
    }

    /// A fresh console session token.
    public static func generateSession() -> StaffToken { generate(prefix: sessionPrefix, idPrefix: "s") }

    package static func generate(prefix: String, idPrefix: String) -> StaffToken {
        var idBytes = [UInt8](repeating: 0, count: 6)
        var secretBytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in idBytes.indices { idBytes[i] = rng.next() }
        for i in secretBytes.indices { secretBytes[i] = rng.next() }
        let id = idBytes.hexString
        return StaffToken(userID: "\(idPrefix)\(id)", secret: base64URL(Data(secretBytes)), prefix: prefix)
    }

    package init(userID: String, secret: String, prefix: String) {
        self.userID = userID
        self.secret = secret
        self.prefix = prefix
    }

    /// Parses a presented bearer token; nil if it is not of our form.
    public init?(parsing text: String) { self.init(parsing: text, prefix: Self.userPrefix) }

    /// Parses a presented session cookie value; nil if it is not of our form.
    public init?(parsingSession text: String) { self.init(parsing: text, prefix: Self.sessionPrefix) }

    package init?(parsing text: String, prefix: String) {
        guard text.hasPrefix(prefix) else { return nil }
        let rest = text.dropFirst(prefix.count)
        guard let split = rest.firstIndex(of: "_") else { return nil }
        let id = String(rest[..<split])
        let secret = String(rest[rest.index(after: split)...])
        guard !id.isEmpty, id.count <= 32, secret.count == 43 else { return nil }
        self.init(userID: id, secret: secret, prefix: prefix)
    }

    public var text: String { "\(prefix)\(userID)_\(secret)" }

    public var secretHash: Data { Data(SHA256.hash(data: Data(secret.utf8))) }

    package static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
