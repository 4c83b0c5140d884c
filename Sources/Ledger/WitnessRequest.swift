import Foundation

/// The body of a C2SP tlog-witness `add-checkpoint` request: the size the witness last cosigned, a
/// consistency proof from it, and the new checkpoint.
///
///     old <size>\n<base64 hash>\n…\n\n<signed checkpoint note>
public struct AddCheckpointRequest: Sendable, Equatable {
    public var oldSize: Int
    public var proof: [[UInt8]]
    public var checkpoint: String

    /// The spec caps a proof at 63 lines.
    public static let maximumProofLines = 63

    public init(oldSize: Int, proof: [[UInt8]], checkpoint: String) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    public var body: String {
        "old \(oldSize)\n" + proof.map { Data($0).base64EncodedString() + "\n" }.joined() + "\n" + checkpoint
    }

    /// Parses a request body; the reason when it is not one (the witness answers 400 with it).
    public init(parsing body: String) throws(CheckpointError) {
        guard let blank = body.range(of: "\n\n") else { throw .malformed("no blank line between the old size and proof lines and the checkpoint") }
        let lines = body[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.hasPrefix("old "), let size = Int(first.dropFirst(4)), size >= 0, String(size) == first.dropFirst(4)
        else { throw .malformed("the first line must be 'old <size>' in decimal without leading zeroes") }
        guard lines.count - 1 <= Self.maximumProofLines else { throw .malformed("more than \(Self.maximumProofLines) consistency proof lines") }
        var proof: [[UInt8]] = []
        for line in lines.dropFirst() {
            guard let hash = Data(base64Encoded: String(line)), hash.count == 32 else {
                throw .malformed("a consistency proof line must be one base64 SHA-256 hash")
            }
            proof.append(Array(hash))
        }
        self.init(oldSize: size, proof: proof, checkpoint: String(body[blank.upperBound...]))
    }
}
