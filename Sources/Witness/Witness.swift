import Crypto
import Foundation
import Ledger

/// A C2SP tlog-witness: cosigns a log's checkpoint only when it is consistent with the last one it cosigned
/// for that log (`add-checkpoint`), and serves the latest it cosigned (monitor retrieval).
public struct Witness: Sendable {
    public let key: WitnessSigningKey
    public let logs: WitnessedLogKeys
    public let store: WitnessStateStore
    let now: @Sendable () -> Date

    public init(key: WitnessSigningKey, logs: WitnessedLogKeys, store: WitnessStateStore, now: @escaping @Sendable () -> Date = Date.init) {
        self.key = key
        self.logs = logs
        self.store = store
        self.now = now
    }

    /// The answer to one `add-checkpoint`, as tlog-witness fixes it.
    public enum Answer: Sendable, Equatable {
        /// 200: the cosignature line.
        case cosigned(SignedNoteText.Signature)
        /// 400: the request is not well formed, or its old size is beyond the checkpoint.
        case badRequest(String)
        /// 403: no valid signature by a key trusted for the origin.
        case forbidden(String)
        /// 404: a log this witness does not witness.
        case unknownLog(String)
        /// 409: the old size is not the size last cosigned, which is given.
        case conflict(size: Int)
        /// 422: the checkpoint is not consistent with the last cosigned.
        case inconsistent(String)
    }

    public func addCheckpoint(body: String) throws -> Answer {
        let request: AddCheckpointRequest
        let note: SignedNoteText
        let checkpoint: Checkpoint
        do {
            request = try AddCheckpointRequest(parsing: body)
            note = try SignedNoteText(parsing: request.checkpoint)
            checkpoint = try Checkpoint(body: note.text)
        } catch {
            return .badRequest(error.description)
        }
        guard let trusted = logs.keysByOrigin[checkpoint.origin] else { return .unknownLog("this witness does not witness '\(checkpoint.origin)'") }
        if let refusal = Self.logSignatureRefusal(note, trusted: trusted) { return .forbidden(refusal) }
        guard request.oldSize <= checkpoint.size else {
            let reason = "the old size \(request.oldSize) is beyond the checkpoint's size \(checkpoint.size)"
            keep(WitnessRefusal(origin: checkpoint.origin, at: now(), status: 400, reason: reason, request: body))
            return .badRequest(reason)
        }
        let answer = try store.update(checkpoint.origin) { last -> (Answer, WitnessedLog?) in
            let lastSize = last?.size ?? 0
            guard request.oldSize == lastSize else { return (.conflict(size: lastSize), nil) }
            if let reason = Self.inconsistency(request, checkpoint, last: last) { return (.inconsistent(reason), nil) }
            let timestamp = UInt64(max(0, now().timeIntervalSince1970.rounded(.down)))
            let cosignature = try Cosignature.sign(checkpointText: note.text, with: key, timestamp: timestamp)
            let record = WitnessedLog(
                origin: checkpoint.origin,
                size: checkpoint.size,
                root: Data(checkpoint.root),
                checkpoint: note.adding([cosignature]).note,
                cosignedAt: now()
            )
            return (.cosigned(cosignature), record)
        }
        if case .inconsistent(let reason) = answer {
            keep(WitnessRefusal(origin: checkpoint.origin, at: now(), status: 422, reason: reason, request: body))
        }
        return answer
    }

    /// A checkpoint the log signed and the witness refused, kept as evidence; losing it loses no answer.
    private func keep(_ refusal: WitnessRefusal) {
        try? store.record(refusal)
    }

    /// Why the note's log signatures fail, or nil when one trusted key's verifies and none fails.
    static func logSignatureRefusal(_ note: SignedNoteText, trusted: [LedgerPublicKey]) -> String? {
        var verified = false
        for key in trusted {
            switch Result(catching: { () throws(CheckpointError) in try Checkpoint.verify(note, publicKey: key) }) {
            case .success: verified = true
            case .failure(.noSignatureByKey): continue
            case .failure(let error): return error.description
            }
        }
        return verified ? nil : "the checkpoint has no valid signature by a key this witness trusts for the log"
    }

    /// Why the checkpoint cannot follow the last cosigned one, or nil when it can.
    static func inconsistency(_ request: AddCheckpointRequest, _ checkpoint: Checkpoint, last: WitnessedLog?) -> String? {
        if checkpoint.size == 0 {
            return checkpoint.root == MerkleHash.empty ? nil : "a checkpoint of size 0 must have the empty tree's root"
        }
        guard let last, request.oldSize > 0 else {
            return request.proof.isEmpty ? nil : "a consistency proof from size 0 must be empty"
        }
        if last.size == checkpoint.size {
            return Array(last.root) == checkpoint.root && request.proof.isEmpty
                ? nil : "a different root for size \(checkpoint.size) than the one cosigned: the log has forked"
        }
        return MerkleProof.verifyConsistency(
            size1: last.size,
            size2: checkpoint.size,
            root1: Array(last.root),
            root2: checkpoint.root,
            proof: request.proof
        ) ? nil : "the consistency proof from size \(last.size) to \(checkpoint.size) does not verify: the log has forked or rewritten history"
    }
}
