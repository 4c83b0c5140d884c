import ByteEncoding
import Crypto
import Foundation

/// A checkpoint: the log's size and root at a moment, in the C2SP
/// tlog-checkpoint format, signed as a C2SP signed note with Ed25519.
///
///     <origin>\n<size>\n<base64 root>\n\n— <key name> <base64(key id ‖ signature)>\n
public struct Checkpoint: Sendable, Equatable {
    public var origin: String
    public var size: Int
    public var root: [UInt8]

    public init(origin: String, size: Int, root: [UInt8]) {
        self.origin = origin
        self.size = size
        self.root = root
    }

    /// The signed body: three lines, each ending in a newline.
    public var body: String { "\(origin)\n\(size)\n\(Data(root).base64EncodedString())\n" }

    public func signed(with key: LedgerSigningKey) throws -> String {
        let signature = try key.privateKey.signature(for: Data(body.utf8))
        let blob = Data(key.keyID) + signature
        return "\(body)\n\u{2014} \(key.name) \(blob.base64EncodedString())\n"
    }

    /// The tree size a note's body claims, before its signature is checked: to pick the key in force.
    public static func claimedSize(_ note: String) -> Int? {
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count > 1 ? Int(lines[1]) : nil
    }

    /// Parses a signed note and checks its signature against `publicKey`. Signatures by other keys
    /// (witnesses' cosignatures among them) are ignored, as C2SP signed-note says.
    public static func verify(note: String, publicKey: LedgerPublicKey) throws(CheckpointError) -> Checkpoint {
        try verify(SignedNoteText(parsing: note), publicKey: publicKey)
    }

    public static func verify(_ note: SignedNoteText, publicKey: LedgerPublicKey) throws(CheckpointError) -> Checkpoint {
        let checkpoint = try Checkpoint(body: note.text)
        var matched = false
        for signature in note.signatures where signature.keyName == publicKey.name && Array(signature.keyID) == publicKey.keyID {
            guard signature.blob.count == 68, publicKey.key.isValidSignature(signature.signature, for: Data(note.text.utf8)) else {
                throw .badSignature
            }
            matched = true
        }
        guard matched else { throw .noSignatureByKey(publicKey.name) }
        return checkpoint
    }

    /// Reads a checkpoint body: origin, tree size and base64 root, each line ending in a newline; extension
    /// lines after them are allowed (tlog-checkpoint) and ignored.
    public init(body: String) throws(CheckpointError) {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard body.hasSuffix("\n"), lines.count >= 3, !lines[0].isEmpty, let size = Int(lines[1]), size >= 0, String(size) == lines[1],
            let root = Data(base64Encoded: String(lines[2])), root.count == 32
        else { throw .malformed("the body must be origin, tree size and a base64 SHA-256 root") }
        self.init(origin: String(lines[0]), size: size, root: Array(root))
    }
}

public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case badSignature
    case noSignatureByKey(String)
    case wrongOrigin(expected: String, found: String)
    case badCosignature(String)
    case quorumNotMet(needed: Int, found: [String])

    public var description: String {
        switch self {
        case .malformed(let why): "malformed checkpoint: \(why)"
        case .badSignature: "the checkpoint's signature does not verify"
        case .noSignatureByKey(let name): "the checkpoint has no signature by key '\(name)'"
        case .wrongOrigin(let expected, let found): "the checkpoint is for '\(found)', not '\(expected)'"
        case .badCosignature(let name): "the cosignature by witness '\(name)' does not verify"
        case .quorumNotMet(let needed, let found):
            "the checkpoint is cosigned by \(found.count) of the witnesses held (\(found.isEmpty ? "none" : found.joined(separator: ", "))); \(needed) needed"
        }
    }
}

/// The ledger's Ed25519 signing key and note key name.
public struct LedgerSigningKey: Sendable {
    public let name: String
    public let privateKey: Curve25519.Signing.PrivateKey

    public init(name: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.name = name
        self.privateKey = privateKey
    }

    public var publicKey: LedgerPublicKey { LedgerPublicKey(name: name, key: privateKey.publicKey) }
    var keyID: [UInt8] { publicKey.keyID }

    /// Reads the raw 32-byte key from a file.
    public static func load(from url: URL, name: String) throws -> LedgerSigningKey {
        if let mode = KeyFilePermissions.looseMode(of: url) { throw LedgerKeyFileError.loosePermissions(mode) }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        guard data.count == 32 else { throw LedgerKeyFileError.wrongLength(data.count) }
        return LedgerSigningKey(name: name, privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: data))
    }

    /// Reads the raw 32-byte key, or makes one (mode 0600) if the file does not exist.
    public static func loadOrCreate(at url: URL, name: String) throws -> LedgerSigningKey {
        if let data = FileManager.default.contents(atPath: url.path) {
            return LedgerSigningKey(name: name, privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: data))
        }
        let key = Curve25519.Signing.PrivateKey()
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: url.path, contents: key.rawRepresentation, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        return LedgerSigningKey(name: name, privateKey: key)
    }
}

/// The ledger's public key, as partners hold it to verify checkpoints offline.
public struct LedgerPublicKey: Sendable, Equatable {
    public let name: String
    public let key: Curve25519.Signing.PublicKey

    public init(name: String, key: Curve25519.Signing.PublicKey) {
        self.name = name
        self.key = key
    }

    /// Signed-note signature type 0x01: Ed25519 over the note's text.
    static let signatureType: UInt8 = 0x01

    /// The C2SP key id: the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).
    public var keyID: [UInt8] { NoteVerifierKey.keyID(name: name, type: Self.signatureType, key: key) }

    /// The C2SP verifier key form: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`.
    public var verifierKey: String { NoteVerifierKey.text(name: name, type: Self.signatureType, key: key) }

    public init(verifierKey text: String) throws(CheckpointError) {
        let (name, key) = try NoteVerifierKey.parse(text, type: Self.signatureType, what: "verifier key")
        self.init(name: name, key: key)
    }

    public static func == (lhs: LedgerPublicKey, rhs: LedgerPublicKey) -> Bool {
        lhs.name == rhs.name && lhs.key.rawRepresentation == rhs.key.rawRepresentation
    }
}

/// A ledger key file that is not a key.
public enum LedgerKeyFileError: Error, Equatable, CustomStringConvertible {
    case wrongLength(Int)
    case loosePermissions(Int)

    public var description: String {
        switch self {
        case .wrongLength(let count): "holds \(count) bytes; an Ed25519 private key is 32"
        case .loosePermissions(let mode): KeyFilePermissions.reason(mode: mode)
        }
    }
}

/// The rule for every key file (master and ledger): private to its owner.
public enum KeyFilePermissions {
    /// The mode of a key file readable or writable by its group or by others; nil when it is private
    /// (or not a regular file: a descriptor or a credential the platform guards).
    public static func looseMode(of url: URL) -> Int? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            attributes[.type] as? FileAttributeType == .typeRegular,
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
        else { return nil }
        return mode
    }

    public static func reason(mode: Int) -> String {
        "is readable or writable by others (mode \(String(mode, radix: 8))): chmod 600 it, and check who may have copied it"
    }
}
