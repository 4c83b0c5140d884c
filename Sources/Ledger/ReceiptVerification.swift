import ByteEncoding
import Crypto
import Foundation

/// Offline receipt checking, as a partner does it: the checkpoint's signature,
/// then the entry's inclusion under that checkpoint's root.
public enum ReceiptVerification {
    public struct Verified: Sendable {
        public var index: Int
        public var size: Int
        public var leafHash: String
        public var keyName: String
        /// Witnesses whose cosignatures verified (tlog proofs only).
        public var cosigners: [WitnessPolicy.Cosigner] = []
    }

    public enum Failure: Error, CustomStringConvertible {
        case checkpoint(CheckpointError)
        case proof(String)
        case entry(String)
        case notIncluded
        case notTheReceipt(String)

        public var description: String {
            switch self {
            case .checkpoint(let error): "checkpoint: \(error)"
            case .proof(let why): "proof: \(why)"
            case .entry(let why): "entry: \(why)"
            case .notIncluded: "the proof does not lead from the entry to the checkpoint's root: the entry is not in this log"
            case .notTheReceipt(let why): "receipt: \(why)"
            }
        }
    }

    /// `verifierKey` is one C2SP verifier key, or the ledger's key history (`LedgerKeyHistory.text`): the
    /// checkpoint is checked with the key in force at its size.
    public static func verify(checkpoint note: String, proof: Data, entry: [UInt8], verifierKey: String) throws(Failure) -> Verified {
        let key: LedgerPublicKey
        let checkpoint: Checkpoint
        do {
            let keys = try LedgerKeyHistory(text: verifierKey)
            key = keys.key(forSize: Checkpoint.claimedSize(note) ?? 0)
            checkpoint = try Checkpoint.verify(note: note, publicKey: key)
        } catch {
            throw .checkpoint(error)
        }
        struct ProofDocument: Decodable {
            var index: Int
            var size: Int
            var proof: [String]
        }
        guard let document = try? JSONDecoder().decode(ProofDocument.self, from: proof) else {
            throw .proof("not the JSON of /v1/ledger/proofs/inclusion")
        }
        guard document.size == checkpoint.size else {
            throw .proof("it is for tree size \(document.size) but the checkpoint is size \(checkpoint.size)")
        }
        let path = document.proof.compactMap { Data(base64Encoded: $0).map(Array.init) }
        guard path.count == document.proof.count else { throw .proof("a hash is not base64") }
        guard let parsed = try? LedgerEntry.decode(entry) else { throw .entry("not a ledger entry") }
        guard parsed.index == document.index else { throw .entry("it is entry \(parsed.index), the proof is for \(document.index)") }
        let leaf = MerkleHash.leaf(entry)
        guard MerkleProof.verifyInclusion(leafHash: leaf, index: document.index, size: document.size, proof: path, root: checkpoint.root) else {
            throw .notIncluded
        }
        return Verified(index: document.index, size: document.size, leafHash: leaf.hexString, keyName: key.name)
    }

    /// Checks a C2SP tlog proof as `GET /v1/ledger/proofs/receipt` serves it: the checkpoint's log signature
    /// (the key in force at its size) and at least `witnesses.quorum` witness cosignatures, the entry (the
    /// proof's extra bytes) at the proof's index, its inclusion under the checkpoint's root, and, when given,
    /// that it is the receipt held: the `Casegate-Entry-Hash` and the SHA-256 of the response body received.
    public static func verify(
        tlogProof text: String,
        logKeys: LedgerKeyHistory,
        witnesses: WitnessPolicy,
        entryHash expectedHash: String? = nil,
        responseBody: [UInt8]? = nil
    ) throws(Failure) -> Verified {
        let proof: TlogProof
        let checkpoint: Checkpoint
        let cosigners: [WitnessPolicy.Cosigner]
        do {
            proof = try TlogProof(parsing: text)
            (checkpoint, cosigners) = try witnesses.verify(try SignedNoteText(parsing: proof.checkpoint), logKeys: logKeys)
        } catch {
            throw .checkpoint(error)
        }
        guard let entry = proof.extra, let parsed = try? LedgerEntry.decode(entry) else {
            throw .entry("the proof's extra line is not a ledger entry")
        }
        guard parsed.index == proof.index else { throw .entry("it is entry \(parsed.index), the proof is for \(proof.index)") }
        let leaf = MerkleHash.leaf(entry)
        guard
            MerkleProof.verifyInclusion(leafHash: leaf, index: proof.index, size: checkpoint.size, proof: proof.inclusionProof, root: checkpoint.root)
        else { throw .notIncluded }
        if let expectedHash, expectedHash.lowercased() != leaf.hexString {
            throw .notTheReceipt("the entry's hash is \(leaf.hexString), the receipt's \(expectedHash)")
        }
        if let responseBody {
            let digest = SHA256.hash(data: responseBody).hexString
            guard parsed.responseSHA256 == digest else {
                throw .notTheReceipt("the entry records a response with SHA-256 \(parsed.responseSHA256 ?? "none"), the body given has \(digest)")
            }
        }
        let key = logKeys.key(forSize: checkpoint.size)
        return Verified(index: proof.index, size: checkpoint.size, leafHash: leaf.hexString, keyName: key.name, cosigners: cosigners)
    }
}
