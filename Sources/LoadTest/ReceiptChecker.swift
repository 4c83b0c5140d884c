import ByteEncoding
import Foundation
import Ledger
import NIOCore

/// Checks a run's receipts against the ledger, as a partner would: a fresh signed checkpoint,
/// every index distinct and inside it, and inclusion proofs for a random sample.
struct ReceiptChecker: Sendable {
    let client: PartnerClient
    var sampleSize = 64

    func check(_ receipts: [Receipt]) async throws -> ReceiptCheck {
        let keyText = String(buffer: try await client.getOK("/v1/ledger/public-key").body)
        let keys: LedgerKeyHistory
        do { keys = try LedgerKeyHistory(text: keyText) } catch { throw LoadTestError.malformedResponse("ledger public keys: \(error)") }
        let note = String(buffer: try await client.getOK("/v1/ledger/checkpoint").body)
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.verify(note: note, publicKey: keys.key(forSize: Checkpoint.claimedSize(note) ?? 0))
        } catch {
            throw LoadTestError.malformedResponse("checkpoint: \(error)")
        }

        var seen = Set<Int>()
        var duplicates = 0
        var outside = 0
        for receipt in receipts {
            if !seen.insert(receipt.index).inserted { duplicates += 1 }
            if receipt.index >= checkpoint.size { outside += 1 }
        }
        var proved = 0
        var unproved = 0
        for receipt in receipts.shuffled().prefix(sampleSize) where receipt.index < checkpoint.size {
            if try await proves(receipt, in: checkpoint) { proved += 1 } else { unproved += 1 }
        }
        return ReceiptCheck(
            receipts: receipts.count,
            distinct: seen.count,
            duplicates: duplicates,
            outsideTree: outside,
            treeSize: checkpoint.size,
            proofsChecked: proved + unproved,
            proofsFailed: unproved
        )
    }

    private func proves(_ receipt: Receipt, in checkpoint: Checkpoint) async throws -> Bool {
        let body = try await client.getOK("/v1/ledger/proofs/inclusion?index=\(receipt.index)&size=\(checkpoint.size)").body
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let proofText = object["proof"] as? [String]
        else { throw LoadTestError.malformedResponse("inclusion proof for \(receipt.index)") }
        let proof = proofText.compactMap { Data(base64Encoded: $0).map(Array.init) }
        guard proof.count == proofText.count, let leaf = [UInt8](hex: receipt.entryHash), leaf.count == 32 else { return false }
        return MerkleProof.verifyInclusion(leafHash: leaf, index: receipt.index, size: checkpoint.size, proof: proof, root: checkpoint.root)
    }
}

/// What the receipt check found; `passed` only when every receipt is distinct, inside the tree, and every sampled proof holds.
public struct ReceiptCheck: Sendable, Equatable {
    public var receipts: Int
    public var distinct: Int
    public var duplicates: Int
    public var outsideTree: Int
    public var treeSize: Int
    public var proofsChecked: Int
    public var proofsFailed: Int

    public var passed: Bool { duplicates == 0 && outsideTree == 0 && proofsFailed == 0 }
}
