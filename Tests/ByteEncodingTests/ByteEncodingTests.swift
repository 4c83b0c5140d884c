import ByteEncoding
import Foundation
import Testing

@Suite("Byte encodings")
struct ByteEncodingTests {
    @Test("byte keys: equal bytes are one key, any difference (a byte, the length, empty) is another")
    func byteKeys() {
        let der = (0..<1200).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var changed = der
        changed[1100] ^= 1
        var keys: [ByteKey: Int] = [ByteKey(der): 1]
        #expect(keys[ByteKey(Array(der))] == 1, "the same bytes in another array")
        #expect(keys[ByteKey(changed)] == nil)
        #expect(keys[ByteKey(Array(der.dropLast()))] == nil)
        #expect(ByteKey([]) == ByteKey([]) && ByteKey([]) != ByteKey([0]))
        keys[ByteKey(changed)] = 2
        #expect(keys.count == 2 && keys[ByteKey(der)] == 1)
    }

    @Test("hex: every byte, both ways, and bad digits refused")
    func hex() {
        let all = (0...255).map(UInt8.init)
        #expect(all.hexString == all.map { String(format: "%02x", $0) }.joined())
        #expect([UInt8](hex: all.hexString) == all)
        #expect([UInt8](hex: "ABcd") == [0xAB, 0xCD])
        #expect([UInt8](hex: "abc") == nil)
        #expect([UInt8](hex: "zz") == nil)
        #expect([UInt8]().hexString == "")
        // Sequences without contiguous storage (a digest is one) and slices spell the same.
        #expect(AnySequence(all).hexString == all.hexString)
        #expect(all[250...].hexString == "fafbfcfdfeff")
    }

    @Test("UUID text: Foundation's form written and read back, for every digit in every position")
    func uuidText() {
        // Random ids, plus ones whose bytes run through every value, so every nibble meets every position.
        let ids = (0..<200).map { _ in UUID() } + (0..<16).map { n in UUID(uuid: uuidBytes { UInt8(truncatingIfNeeded: $0 &* 17 &+ n) }) }
        for id in ids {
            #expect(id.text == id.uuidString)
            #expect(UUID(text: id.uuidString) == id)
            #expect(UUID(text: id.uuidString.lowercased()) == id)
            var out: [UInt8] = []
            id.appendText(to: &out)
            #expect(out == Array(id.uuidString.utf8))
        }
        let text = "E621E1F8-C36C-495A-93FC-0C247A3E6E5F"
        #expect(UUID(text: "[\(text)]".dropFirst().dropLast()) == UUID(uuidString: text), "a substring, read in place")
    }

    @Test(
        "UUID text: only the 36-character form is read, as by UUID(uuidString:)",
        arguments: [
            "", "E621E1F8-C36C-495A-93FC-0C247A3E6E5", "E621E1F8-C36C-495A-93FC-0C247A3E6E5F0", "E621E1F8C36C-495A-93FC-0C247A3E6E5F0",
            "E621E1F8-C36C-495A-93FC+0C247A3E6E5F", "G621E1F8-C36C-495A-93FC-0C247A3E6E5F", "{E621E1F8-C36C-495A-93FC-0C247A3E6E5}",
            "E621E1F8-C36C-495A-93FC-0C247A3E6E5 ", "E621E1F8-C36C-495A-93FC-0C247A3E6É5F",
        ]
    )
    func uuidTextRefused(_ text: String) {
        #expect(UUID(text: text) == nil)
        #expect(UUID(uuidString: text) == nil, "Foundation refuses it too")
    }

    @Test("UUID text: a sign inside a group is refused, where Foundation's sscanf reads it as a negative number (E621E1F8-FD6C-…)")
    func uuidTextSigned() {
        let text = "E621E1F8--36C-495A-93FC-0C247A3E6E5F"
        #expect(UUID(text: text) == nil)
    }

    @Test(
        "JSON strings: every control character, quotes and backslashes escaped; everything else as is",
        arguments: [
            "", "plain", "quote \" and \\ backslash", "tab\tnew\nline\r", "\u{0}\u{1}\u{8}\u{C}\u{1F}", "Ünïcödé ✓ 𝄞", "end\\",
        ]
    )
    func jsonString(_ text: String) throws {
        var out: [UInt8] = []
        JSONString.append(text, to: &out)
        let decoded = try JSONDecoder().decode(String.self, from: Data(out))
        #expect(decoded == text)
        #expect(!out.dropFirst().dropLast().contains { $0 < 0x20 })
    }

    @Test("JSON strings: the short escapes JSON has, \\u00XX for the rest")
    func jsonEscapes() {
        var out: [UInt8] = []
        JSONString.append("\u{8}\u{C}\n\r\t\u{1}\"\\", to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""\b\f\n\r\t\u0001\"\\""#)
    }
}

@Suite("ByteWriter")
struct ByteWriterTests {
    @Test("appends of every small length and across growth keep every byte in order")
    func appends() {
        var writer = ByteWriter(capacity: 16)
        var expected: [UInt8] = []
        for length in 0...40 {
            let chunk = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ length) }
            chunk.withUnsafeBufferPointer { writer.append(contentsOf: $0) }
            expected += chunk
            writer.append(UInt8(length))
            expected.append(UInt8(length))
        }
        writer.append("literal")
        expected += Array("literal".utf8)
        #expect(writer.bytes == expected)
        #expect(writer.count == expected.count)
        writer.truncate(to: 5)
        #expect(writer.bytes == Array(expected.prefix(5)))
    }

    @Test("scratch space: used while it has room, then left for memory of its own with everything copied")
    func scratch() {
        let bytes = [UInt8](unsafeUninitializedCapacity: 32) { storage, count in
            var writer = ByteWriter(scratch: storage)
            writer.append("sixteen bytes!!!")
            let before = writer.isInScratch
            writer.append("and sixteen more, and then some")
            let after = writer.isInScratch
            #expect(before && !after)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == "sixteen bytes!!!and sixteen more, and then some")
            count = 0
        }
        #expect(bytes.isEmpty)
    }

    @Test("decimal and fixed-width digits", arguments: [0, 7, 10, 99, 12345, Int.max])
    func digits(_ value: Int) {
        var writer = ByteWriter()
        writer.appendDecimal(value)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == String(value))
        var padded = ByteWriter()
        padded.appendDigits(value % 10_000, width: 4)
        #expect(String(decoding: padded.bytes, as: UTF8.self) == String(format: "%04d", value % 10_000))
    }

    @Test("JSON strings into a ByteWriter: a quote or control byte at every position of a long run is escaped")
    func escapesAtEveryPosition() throws {
        for position in 0..<24 {
            for special in ["\"", "\\", "\n", "\u{1}"] {
                var text = String(repeating: "a", count: 24)
                text.replaceSubrange(text.index(text.startIndex, offsetBy: position)...text.index(text.startIndex, offsetBy: position), with: special)
                var writer = ByteWriter()
                JSONString.append(text, to: &writer)
                #expect(try JSONDecoder().decode(String.self, from: Data(writer.bytes)) == text, "\(special.debugDescription) at \(position)")
            }
        }
    }
}

/// A `uuid_t` whose byte `i` is `byte(i)`.
private func uuidBytes(_ byte: (Int) -> UInt8) -> uuid_t {
    var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    withUnsafeMutableBytes(of: &bytes) { for i in 0..<16 { $0[i] = byte(i) } }
    return bytes
}
