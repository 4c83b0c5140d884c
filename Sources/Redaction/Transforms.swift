import ByteEncoding
import CaseModel
import Foundation
import SharingPolicy

/// The value transforms behind the rules.
enum Transforms {
    static func mask(_ s: String, first: Int, last: Int) -> String {
        let characters = Array(s)
        guard characters.count > first + last else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(first)) + String(repeating: "*", count: characters.count - first - last)
            + String(characters.suffix(last))
    }

    /// Names and emails compare case- and space-insensitively; phones by digits.
    static func normaliseForPseudonym(_ s: String, kind: FieldKind) -> String {
        // ASCII, the usual case, byte by byte: Unicode case mapping and white-space tests cost more than the HMAC.
        let ascii = s.utf8.allSatisfy { $0 < 0x80 }
        switch kind {
        case .name, .email, .text:
            guard ascii else { return s.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            var out: [UInt8] = []
            out.reserveCapacity(s.utf8.count)
            var space = false
            for b in s.utf8 {
                if b == 0x20 || (0x09...0x0D).contains(b) {
                    space = !out.isEmpty
                    continue
                }
                if space {
                    out.append(0x20)
                    space = false
                }
                out.append(b &- 65 < 26 ? b + 32 : b)
            }
            return String(decoding: out, as: UTF8.self)
        case .phone:
            guard ascii else { return String(s.filter(\.isNumber)) }
            return String(decoding: s.utf8.filter { $0 &- 48 < 10 }, as: UTF8.self)
        default:
            return s
        }
    }

    static let ageBands: [(upTo: Int, label: String)] = [
        (17, "0-17"), (24, "18-24"), (34, "25-34"), (44, "35-44"), (54, "45-54"), (64, "55-64"), (Int.max, "65+"),
    ]

    static func ageBand(_ dob: CalendarDate, today: CalendarDate) -> String {
        let age = max(0, dob.wholeYears(until: today))
        return ageBands.first { age <= $0.upTo }!.label
    }

    static func generalise(_ raw: ViewBuilder.RawValue, _ level: Generalisation, today: CalendarDate) -> String? {
        switch (raw, level) {
        case (.date(let d), .ageBand): ageBand(d, today: today)
        case (.date(let d), .month): String(d.description.prefix(7))
        case (.date(let d), .year): String(d.year)
        case (.time(let t), .month): String(CalendarDate(t).description.prefix(7))
        case (.time(let t), .year): String(CalendarDate(t).year)
        case (.address(let a), .postcodeDistrict): a.postcode.district
        case (.address(let a), .postcodeSector): a.postcode.sector
        case (.text(let s), .postcodeDistrict): findPostcode(in: s)?.district
        case (.text(let s), .postcodeSector): findPostcode(in: s)?.sector
        default: nil
        }
    }

    /// The last UK postcode written in free text, such as a location.
    static func findPostcode(in text: String) -> Postcode? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" })
        var found: Postcode?
        for (i, word) in words.enumerated() {
            if let p = Postcode(String(word)), word.count >= 5 { found = p }
            if i + 1 < words.count, let p = Postcode("\(word) \(words[i + 1])"), words[i + 1].count == 3 { found = p }
        }
        return found
    }

    /// "2026-11-25T14:03:09Z", written straight into the view: no Foundation formatter on the hot path.
    static func appendISO8601<Sink: ByteSink & ~Copyable>(_ date: Date, to out: inout Sink) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let d = CalendarDate(daysSinceEpoch: days)
        guard (0...9999).contains(d.year) else {
            appendDate(d, to: &out)
            out.append(UInt8(ascii: "T"))
            appendTime(secondOfDay, to: &out)
            return
        }
        // All twenty bytes on the stack, then one append: this runs for every time in every view.
        var text: (UInt64, UInt64, UInt32) = (0, 0, 0)
        withUnsafeMutableBytes(of: &text) { buffer in
            let p = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            writeDate(d, at: p)
            p[10] = UInt8(ascii: "T")
            writeTwo(secondOfDay / 3600, at: p + 11)
            p[13] = UInt8(ascii: ":")
            writeTwo(secondOfDay / 60 % 60, at: p + 14)
            p[16] = UInt8(ascii: ":")
            writeTwo(secondOfDay % 60, at: p + 17)
            p[19] = UInt8(ascii: "Z")
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: 20))
        }
    }

    private static func appendTime<Sink: ByteSink & ~Copyable>(_ secondOfDay: Int, to out: inout Sink) {
        out.appendDigits(secondOfDay / 3600, width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendDigits(secondOfDay / 60 % 60, width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendDigits(secondOfDay % 60, width: 2)
        out.append(UInt8(ascii: "Z"))
    }

    /// "YYYY-MM-DD" at p, for a year in 0...9999.
    private static func writeDate(_ d: CalendarDate, at p: UnsafeMutablePointer<UInt8>) {
        writeTwo(d.year / 100, at: p)
        writeTwo(d.year % 100, at: p + 2)
        p[4] = UInt8(ascii: "-")
        writeTwo(d.month, at: p + 5)
        p[7] = UInt8(ascii: "-")
        writeTwo(d.day, at: p + 8)
    }

    @inline(__always) private static func writeTwo(_ value: Int, at p: UnsafeMutablePointer<UInt8>) {
        p[0] = UInt8(48 + value / 10)
        p[1] = UInt8(48 + value % 10)
    }

    /// "2026-11-25"; years outside 0...9999 as CalendarDate prints them.
    static func appendDate<Sink: ByteSink & ~Copyable>(_ d: CalendarDate, to out: inout Sink) {
        guard (0...9999).contains(d.year) else { return out.append(utf8: d.description) }
        var text: (UInt64, UInt16) = (0, 0)
        withUnsafeMutableBytes(of: &text) { buffer in
            let p = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            writeDate(d, at: p)
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: 10))
        }
    }
}
