import Crypto
import Foundation
import ByteEncoding

/// A personal bearer token: `cgt_<user id>_<secret>`. The user id finds the
/// row; the 256-bit secret is checked against its stored SHA-256 in constant time.
public struct StaffToken: Sendable, Equatable {
    public let userID: String
    let secret: String

    static let prefix = "cgt_"

    /// A fresh token for a new user id.
    public static func generate() -> StaffToken {
        var idBytes = [UInt8](repeating: 0, count: 6)
        var secretBytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in idBytes.indices { idBytes[i] = rng.next() }
        for i in secretBytes.indices { secretBytes[i] = rng.next() }
        let id = idBytes.hexString
        return StaffToken(userID: "u\(id)", secret: base64URL(Data(secretBytes)))
    }

    init(userID: String, secret: String) {
        self.userID = userID
        self.secret = secret
    }

    /// Parses a presented token; nil if it is not of our form.
    public init?(parsing text: String) {
        guard text.hasPrefix(Self.prefix) else { return nil }
        let rest = text.dropFirst(Self.prefix.count)
        guard let split = rest.firstIndex(of: "_") else { return nil }
        let id = String(rest[..<split])
        let secret = String(rest[rest.index(after: split)...])
        guard !id.isEmpty, id.count <= 32, secret.count == 43 else { return nil }
        self.init(userID: id, secret: secret)
    }

    public var text: String { "\(Self.prefix)\(userID)_\(secret)" }

    public var secretHash: Data { Data(SHA256.hash(data: Data(secret.utf8))) }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
