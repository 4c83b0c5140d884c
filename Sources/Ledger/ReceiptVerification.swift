import ByteEncoding
import Foundation

/// Offline receipt checking, as a partner does it: the checkpoint's signature,
/// then the entry's inclusion under that checkpoint's root.
public enum ReceiptVerification {
    public struct Verified: Sendable {
        public var index: Int
        public var size: Int
        public var leafHash: String
        public var keyName: String
    }

    public enum Failure: Error, CustomStringConvertible {
        case checkpoint(CheckpointError)
        case proof(String)
        case entry(String)
        case notIncluded

        public var description: String {
            switch self {
            case .checkpoint(let error): "checkpoint: \(error)"
            case .proof(let why): "proof: \(why)"
            case .entry(let why): "entry: \(why)"
            case .notIncluded: "the proof does not lead from the entry to the checkpoint's root: the entry is not in this log"
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
}
