import Foundation

/// An offline-checkable proof that an entry is in the log, in C2SP tlog-proof@v1 form: the entry's index,
/// its RFC 9162 inclusion proof, and the (cosigned) checkpoint it leads to. casegate puts the entry's exact
/// bytes in the `extra` line, so the proof carries everything but the keys.
///
///     c2sp.org/tlog-proof@v1\nextra <base64>\nindex <n>\n<base64 hash>\n…\n\n<checkpoint note>
public struct TlogProof: Sendable, Equatable {
    public static let header = "c2sp.org/tlog-proof@v1"

    public var extra: [UInt8]?
    public var index: Int
    public var inclusionProof: [[UInt8]]
    public var checkpoint: String

    public init(extra: [UInt8]?, index: Int, inclusionProof: [[UInt8]], checkpoint: String) {
        self.extra = extra
        self.index = index
        self.inclusionProof = inclusionProof
        self.checkpoint = checkpoint
    }

    public var text: String {
        var lines = [Self.header]
        if let extra { lines.append("extra " + Data(extra).base64EncodedString()) }
        lines.append("index \(index)")
        lines += inclusionProof.map { Data($0).base64EncodedString() }
        return lines.map { $0 + "\n" }.joined() + "\n" + checkpoint
    }

    public init(parsing text: String) throws(CheckpointError) {
        guard let blank = text.range(of: "\n\n") else { throw .malformed("a tlog proof has a blank line before its checkpoint") }
        var lines = text[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard lines.popFirst() == Substring(Self.header) else { throw .malformed("a tlog proof starts with '\(Self.header)'") }
        if let line = lines.first, line.hasPrefix("extra ") {
            guard let bytes = Data(base64Encoded: String(line.dropFirst(6))) else { throw .malformed("the extra line is not base64") }
            extra = Array(bytes)
            lines.removeFirst()
        } else {
            extra = nil
        }
        guard let line = lines.popFirst(), line.hasPrefix("index "), let index = Int(line.dropFirst(6)), index >= 0,
            String(index) == line.dropFirst(6)
        else { throw .malformed("the index line must be 'index <n>' in decimal without leading zeroes") }
        self.index = index
        inclusionProof = []
        for line in lines {
            guard let hash = Data(base64Encoded: String(line)), hash.count == 32 else {
                throw .malformed("an inclusion proof line must be one base64 SHA-256 hash")
            }
            inclusionProof.append(Array(hash))
        }
        checkpoint = String(text[blank.upperBound...])
    }
}
