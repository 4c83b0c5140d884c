import ByteEncoding
import Crypto
import Foundation

/// What every Ed25519 note key shares, whatever it signs: C2SP signed-note's key id and verifier key form,
/// with the signature type that says what the key signs (0x01 a log's checkpoints, 0x04 a witness's
/// cosignatures).
enum NoteVerifierKey {
    /// SHA-256(name ‖ "\n" ‖ type ‖ public key)[:4].
    static func keyID(name: String, type: UInt8, key: Curve25519.Signing.PublicKey) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, type])
        hasher.update(data: key.rawRepresentation)
        return Array(hasher.finalize().prefix(4))
    }

    /// `<name>+<hex key id>+<base64(type ‖ public key)>`.
    static func text(name: String, type: UInt8, key: Curve25519.Signing.PublicKey) -> String {
        "\(name)+\(keyID(name: name, type: type, key: key).hexString)+\((Data([type]) + key.rawRepresentation).base64EncodedString())"
    }

    /// The name and key of a verifier key of `type`; the key id must be the key's.
    static func parse(_ text: String, type: UInt8, what: String) throws(CheckpointError) -> (name: String, key: Curve25519.Signing.PublicKey) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2)
        guard parts.count == 3, let blob = Data(base64Encoded: String(parts[2])), blob.count == 33, blob.first == type,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: blob.dropFirst())
        else {
            throw .malformed("a \(what) is '<name>+<hex key id>+<base64(0x\(String(format: "%02x", type)) ‖ Ed25519 public key)>'")
        }
        let name = String(parts[0])
        let id = keyID(name: name, type: type, key: key).hexString
        guard id == parts[1] else { throw .malformed("the key id \(parts[1]) does not match the \(what) (\(id))") }
        return (name, key)
    }
}
