import CaseModel
import SharingPolicy
import Foundation

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
        switch kind {
        case .name, .email, .text: s.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        case .phone: String(s.filter(\.isNumber))
        default: s
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

    /// "2026-11-25T14:03:09Z", without Foundation's formatter on the hot path.
    static func iso8601(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let d = CalendarDate(daysSinceEpoch: days)
        var bytes = [UInt8](repeating: 0, count: 20)
        func put(_ value: Int, _ width: Int, at offset: Int) {
            var v = value
            for k in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[k] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        put(d.year, 4, at: 0); bytes[4] = 45
        put(d.month, 2, at: 5); bytes[7] = 45
        put(d.day, 2, at: 8); bytes[10] = 84
        put(secondOfDay / 3600, 2, at: 11); bytes[13] = 58
        put(secondOfDay / 60 % 60, 2, at: 14); bytes[16] = 58
        put(secondOfDay % 60, 2, at: 17); bytes[19] = 90
        return String(decoding: bytes, as: UTF8.self)
    }
}
