import Crypto
import Foundation
import Ledger

/// The key that wraps every per-case data key. It lives in its own file, outside
/// both databases, so neither a database copy nor a backup can unwrap anything.
public struct MasterKey: Sendable {
    public let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    /// Reads the key file, or makes one (32 random bytes, mode 0600) if none exists.
    public static func loadOrCreate(at url: URL) throws(StorageError) -> MasterKey {
        FileManager.default.fileExists(atPath: url.path) ? try load(from: url) : try create(at: url)
    }

    public static func load(from url: URL) throws(StorageError) -> MasterKey {
        if let mode = KeyFilePermissions.looseMode(of: url) { throw .masterKey(path: url.path, reason: KeyFilePermissions.reason(mode: mode)) }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .masterKey(path: url.path, reason: "cannot be read")
        }
        guard data.count == 32 else {
            throw .masterKey(path: url.path, reason: "holds \(data.count) bytes, expected 32")
        }
        return MasterKey(key: SymmetricKey(data: data))
    }

    /// A case's data key wrapped for storage (AES key wrap, RFC 3394).
    public func wrap(_ dataKey: SymmetricKey) throws -> Data {
        try AES.KeyWrap.wrap(dataKey, using: key)
    }

    public func unwrap(_ wrapped: Data) throws -> SymmetricKey {
        try AES.KeyWrap.unwrap(wrapped, using: key)
    }

    /// A key for one purpose, derived with HKDF so the master key itself is used only for wrapping.
    public func derivedKey(for purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key,
            salt: Data("casegate".utf8),
            info: Data(purpose.utf8),
            outputByteCount: 32
        )
    }
}
