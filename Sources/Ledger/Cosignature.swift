import ByteEncoding
import Crypto
import Foundation

/// A witness's public key, as a log or a partner holds it: C2SP tlog-cosignature's timestamped Ed25519
/// cosigner key, signature type 0x04.
public struct WitnessPublicKey: Sendable, Equatable {
    public let name: String
    public let key: Curve25519.Signing.PublicKey

    public init(name: String, key: Curve25519.Signing.PublicKey) {
        self.name = name
        self.key = key
    }

    /// SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4].
    public var keyID: [UInt8] { NoteVerifierKey.keyID(name: name, type: Cosignature.signatureType, key: key) }

    /// The C2SP verifier key: `<name>+<hex key id>+<base64(0x04 ‖ public key)>`.
    public var verifierKey: String { NoteVerifierKey.text(name: name, type: Cosignature.signatureType, key: key) }

    public init(verifierKey text: String) throws(CheckpointError) {
        let (name, key) = try NoteVerifierKey.parse(text, type: Cosignature.signatureType, what: "witness key")
        self.init(name: name, key: key)
    }

    public static func == (lhs: WitnessPublicKey, rhs: WitnessPublicKey) -> Bool {
        lhs.name == rhs.name && lhs.key.rawRepresentation == rhs.key.rawRepresentation
    }
}

/// A witness's signing key: Ed25519, kept as its 32 raw bytes in a file of mode 0600.
public struct WitnessSigningKey: Sendable {
    public let name: String
    public let privateKey: Curve25519.Signing.PrivateKey

    public init(name: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.name = name
        self.privateKey = privateKey
    }

    public var publicKey: WitnessPublicKey { WitnessPublicKey(name: name, key: privateKey.publicKey) }

    /// Reads the key file, refusing one readable by others (as for the ledger's key).
    public static func load(from url: URL, name: String) throws -> WitnessSigningKey {
        WitnessSigningKey(name: name, privateKey: try LedgerSigningKey.load(from: url, name: name).privateKey)
    }

    /// Reads the key file, or makes one (mode 0600) if it does not exist.
    public static func loadOrCreate(at url: URL, name: String) throws -> WitnessSigningKey {
        WitnessSigningKey(name: name, privateKey: try LedgerSigningKey.loadOrCreate(at: url, name: name).privateKey)
    }
}

/// C2SP tlog-cosignature/v1 with Ed25519: a witness's statement that, at `timestamp`, the checkpoint is the
/// largest consistent tree it has seen for the log. The signature line's blob is key id ‖ u64 timestamp
/// (big-endian) ‖ Ed25519 signature over
///
///     cosignature/v1\ntime <timestamp>\n<checkpoint text>
public enum Cosignature {
    public static let signatureType: UInt8 = 0x04

    /// The message signed: the header line, the time line, then the whole checkpoint text.
    public static func message(checkpointText: String, timestamp: UInt64) -> Data {
        Data("cosignature/v1\ntime \(timestamp)\n\(checkpointText)".utf8)
    }

    public static func sign(checkpointText: String, with key: WitnessSigningKey, timestamp: UInt64) throws -> SignedNoteText.Signature {
        let signature = try key.privateKey.signature(for: message(checkpointText: checkpointText, timestamp: timestamp))
        var blob = key.publicKey.keyID
        withUnsafeBytes(of: timestamp.bigEndian) { blob.append(contentsOf: $0) }
        blob.append(contentsOf: signature)
        return SignedNoteText.Signature(keyName: key.name, blob: blob)
    }

    /// The timestamp of `key`'s valid cosignature on the note; nil when the note has none (other keys'
    /// lines are ignored). A line with the key's name and id that does not verify is an error.
    public static func verified(_ note: SignedNoteText, by key: WitnessPublicKey) throws(CheckpointError) -> UInt64? {
        var found: UInt64?
        for line in note.signatures where line.keyName == key.name && Array(line.keyID) == key.keyID {
            guard line.blob.count == 4 + 8 + 64 else { throw .badCosignature(key.name) }
            let timestamp = line.blob[4..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard timestamp < 1 << 63,
                key.key.isValidSignature(line.blob[12...], for: message(checkpointText: note.text, timestamp: timestamp))
            else { throw .badCosignature(key.name) }
            found = timestamp
        }
        return found
    }
}

/// Which witnesses must have cosigned a checkpoint before it is believed: k of the n keys held.
public struct WitnessPolicy: Sendable, Equatable {
    public var witnesses: [WitnessPublicKey]
    public var quorum: Int

    public init(witnesses: [WitnessPublicKey], quorum: Int) {
        self.witnesses = witnesses
        self.quorum = quorum
    }

    /// A witness that cosigned, and when (POSIX seconds).
    public struct Cosigner: Sendable, Equatable {
        public var name: String
        public var timestamp: UInt64
    }

    /// The checkpoint, signed by the log key in force at its size and cosigned by at least `quorum` of the
    /// witnesses. Fails on a bad log signature, on any bad cosignature by a known witness, or short of quorum.
    public func verify(_ note: SignedNoteText, logKeys: LedgerKeyHistory) throws(CheckpointError) -> (checkpoint: Checkpoint, cosigners: [Cosigner]) {
        let claimed = try Checkpoint(body: note.text)
        let checkpoint = try Checkpoint.verify(note, publicKey: logKeys.key(forSize: claimed.size))
        var cosigners: [Cosigner] = []
        for witness in witnesses {
            if let timestamp = try Cosignature.verified(note, by: witness) { cosigners.append(Cosigner(name: witness.name, timestamp: timestamp)) }
        }
        guard cosigners.count >= quorum else { throw .quorumNotMet(needed: quorum, found: cosigners.map(\.name)) }
        return (checkpoint, cosigners)
    }
}
