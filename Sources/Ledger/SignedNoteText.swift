import Foundation

/// A C2SP signed note taken apart: the text (ending in a newline) and its signature lines. The text ends
/// at the note's last blank line, as the spec says; every line after it must be a signature line.
public struct SignedNoteText: Sendable, Equatable {
    /// One signature line: `— <key name> <base64(key id ‖ signature)>`.
    public struct Signature: Sendable, Equatable {
        public var keyName: String
        /// Key id (4 bytes) then the signature proper.
        public var blob: [UInt8]

        public init(keyName: String, blob: [UInt8]) {
            self.keyName = keyName
            self.blob = blob
        }

        public var keyID: ArraySlice<UInt8> { blob.prefix(4) }
        public var signature: ArraySlice<UInt8> { blob.dropFirst(4) }
        public var line: String { "\u{2014} \(keyName) \(Data(blob).base64EncodedString())\n" }

        /// Parses one line without its newline.
        public init(line: Substring) throws(CheckpointError) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "\u{2014}", !parts[1].isEmpty, !parts[1].contains("+"),
                let blob = Data(base64Encoded: String(parts[2])).map(Array.init), blob.count > 4
            else { throw .malformed("a signature line must be '— <key name> <base64(key id ‖ signature)>'") }
            self.init(keyName: String(parts[1]), blob: blob)
        }
    }

    /// The signed text, with its final newline.
    public var text: String
    public var signatures: [Signature]

    public init(text: String, signatures: [Signature]) {
        self.text = text
        self.signatures = signatures
    }

    public init(parsing note: String) throws(CheckpointError) {
        guard note.utf8.allSatisfy({ $0 >= 0x20 || $0 == 0x0A }) else {
            throw .malformed("a signed note has no control characters but newlines")
        }
        guard let separator = note.range(of: "\n\n", options: .backwards) else {
            throw .malformed("no blank line between the text and its signatures")
        }
        text = String(note[..<separator.lowerBound]) + "\n"
        let rest = note[separator.upperBound...]
        guard rest.hasSuffix("\n") else { throw .malformed("the last signature line must end in a newline") }
        signatures = try rest.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map { line throws(CheckpointError) in
            try Signature(line: line)
        }
        guard !signatures.isEmpty else { throw .malformed("a signed note has at least one signature") }
    }

    /// The note as text: its text, a blank line, its signature lines.
    public var note: String { text + "\n" + signatures.map(\.line).joined() }

    /// This note with `more` signature lines added after its own, leaving out lines it already has.
    public func adding(_ more: [Signature]) -> SignedNoteText {
        var copy = self
        for signature in more where !copy.signatures.contains(signature) { copy.signatures.append(signature) }
        return copy
    }
}
