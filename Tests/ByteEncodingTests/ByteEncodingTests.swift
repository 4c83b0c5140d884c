import ByteEncoding
import Foundation
import Testing

@Suite("Byte encodings")
struct ByteEncodingTests {
    @Test("hex: every byte, both ways, and bad digits refused")
    func hex() {
        let all = (0...255).map(UInt8.init)
        #expect(all.hexString == all.map { String(format: "%02x", $0) }.joined())
        #expect([UInt8](hex: all.hexString) == all)
        #expect([UInt8](hex: "ABcd") == [0xAB, 0xCD])
        #expect([UInt8](hex: "abc") == nil)
        #expect([UInt8](hex: "zz") == nil)
        #expect([UInt8]().hexString == "")
    }

    @Test("JSON strings: every control character, quotes and backslashes escaped; everything else as is", arguments: [
        "", "plain", "quote \" and \\ backslash", "tab\tnew\nline\r", "\u{0}\u{1}\u{8}\u{C}\u{1F}", "Ünïcödé ✓ 𝄞", "end\\",
    ])
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
