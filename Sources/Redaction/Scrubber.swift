import CaseModel
import Foundation

/// Removes identifiers from free text, replacing each with a typed placeholder
/// (`[PERSON 1]`, `[PHONE 1]`, `[EMAIL 1]`, `[POSTCODE 1]`, `[NI NUMBER 1]`,
/// `[DATE 1]`). One scrubber serves one view, so the same person or number
/// gets the same placeholder in every field of that view.
///
/// It scans UTF-8 bytes once, trying the recognisers only at word starts; no
/// regular expressions, because this runs on every disclosure.
public struct Scrubber {
    /// The text being scrubbed, with a zero byte after it so look-aheads need no bounds test.
    typealias Bytes = UnsafeBufferPointer<UInt8>

    private struct NamePattern {
        var start: Int
        var count: Int
        var personKey: Int
        var caseInsensitive: Bool
        /// Every byte a word byte: it can only match a word of exactly its length.
        var plain: Bool
        /// Lower-cased first byte.
        var initial: UInt8
    }

    /// Every name pattern's bytes, back to back; patterns index into it (no per-pattern arrays to retain).
    private var nameBytes: [UInt8] = []
    private var names: [NamePattern] = []
    /// Which lower-cased first bytes start some name, as a 256-bit set: most words are turned away by one test.
    private var nameInitials: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    /// Placeholder numbers by kind, then by normalised value; indexed by `Kind.rawValue`.
    private var counters: [[String: Int]] = Array(repeating: [:], count: Kind.allCases.count)
    private var personNumbers: [Int: Int] = [:]

    enum Kind: Int, CaseIterable {
        case person, phone, email, postcode, ni, date

        var label: String {
            switch self {
            case .person: "PERSON"
            case .phone: "PHONE"
            case .email: "EMAIL"
            case .postcode: "POSTCODE"
            case .ni: "NI NUMBER"
            case .date: "DATE"
            }
        }
    }

    /// Prepares to scrub the names of these parties: each full name (any case)
    /// and each part of three or more letters as written (so "Grace" the name
    /// goes, "grace" the word stays).
    public init(parties: [Party]) {
        var people: [UUID] = []
        for party in parties {
            // Parties with the same person id (a complainant who is also the victim) are one person.
            let index = people.firstIndex(of: party.id) ?? people.count
            if index == people.count { people.append(party.id) }
            guard !party.name.isEmpty else { continue }
            let name = Array(party.name.utf8)
            add(name, person: index, caseInsensitive: true)
            // Split on bytes, not Characters: grapheme breaking cost more than the whole scrub.
            let parts = name.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "-") })
            if parts.count > 1 {
                // Three or more letters: UTF-8 lead bytes, so "Zoë" counts three.
                for part in parts where part.count(where: { $0 & 0xC0 != 0x80 }) >= 3 {
                    add(part, person: index, caseInsensitive: false)
                }
            }
        }
        // Longest first, so a full name wins over its parts.
        names.sort { $0.count > $1.count }
    }

    private mutating func add(_ bytes: some Collection<UInt8>, person: Int, caseInsensitive: Bool) {
        names.append(NamePattern(start: nameBytes.count, count: bytes.count, personKey: person, caseInsensitive: caseInsensitive,
                                 plain: bytes.allSatisfy(Self.isWordByte), initial: Self.lower(bytes.first!)))
        nameBytes += bytes
        let b = Int(Self.lower(bytes.first!))
        switch b >> 6 {
        case 0: nameInitials.0 |= 1 << UInt64(b & 63)
        case 1: nameInitials.1 |= 1 << UInt64(b & 63)
        case 2: nameInitials.2 |= 1 << UInt64(b & 63)
        default: nameInitials.3 |= 1 << UInt64(b & 63)
        }
    }

    public mutating func scrub(_ text: String) -> String {
        var input = Array(text.utf8)
        input.append(0)  // sentinel: every look-ahead can read one past the end
        let n = input.count - 1
        var out = [UInt8]()
        out.reserveCapacity(n + 32)
        // Most narratives hold no email address: one pass here spares the email recogniser at every word.
        let hasAt = input.contains(UInt8(ascii: "@"))
        input.withUnsafeBufferPointer { s in
            var i = 0
            var nextAt = hasAt ? -1 : Int.max
            while i < n {
                let byte = s[i]
                if nextAt < i {
                    nextAt = i
                    while nextAt < n && s[nextAt] != UInt8(ascii: "@") { nextAt += 1 }
                    if nextAt == n { nextAt = Int.max }
                }
                // An address's local part is at most 64 bytes: further from the next @, no word can be one.
                let nearAt = nextAt - i <= 64
                if Self.isWordByte(byte) {
                    // A word: try the recognisers once, at its start, then copy it whole.
                    if let (end, kind, key) = match(s, at: i, count: n, nearAt: nearAt) {
                        appendPlaceholder(kind, key: key, to: &out)
                        i = end
                        continue
                    }
                    let start = i
                    i += 1
                    while Self.isWordByte(s[i]) { i += 1 }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: s[start..<i]))
                    continue
                }
                if (byte == UInt8(ascii: "+") || byte == UInt8(ascii: "(")) && Self.isDigit(s[i + 1]),
                   let (end, kind, key) = match(s, at: i, count: n, nearAt: nearAt) {
                    appendPlaceholder(kind, key: key, to: &out)
                    i = end
                    continue
                }
                out.append(byte)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func match(_ s: Bytes, at i: Int, count n: Int, nearAt: Bool) -> (Int, Kind, String)? {
        if nearAt, let end = Self.email(s, i, n) { return (end, .email, String(decoding: s[i..<end], as: UTF8.self).lowercased()) }
        if Self.isLetter(s[i]) {
            var j = i + 1
            var digit = false
            while Self.isWordByte(s[j]) {
                if Self.isDigit(s[j]) { digit = true }
                j += 1
            }
            if let (end, person) = name(s, i, wordEnd: j, n) { return (end, .person, String(person)) }
            // What is left (NI numbers, postcodes, "March 12") needs a digit in the word or just after it.
            guard digit || (s[j] == UInt8(ascii: " ") && Self.isDigit(s[j + 1])) else { return nil }
            if let end = Self.niNumber(s, i, n) { return (end, .ni, Self.normalised(s[i..<end])) }
            if let end = Self.postcode(s, i, n) { return (end, .postcode, Self.normalised(s[i..<end])) }
            if let end = Self.monthFirstDate(s, i, n) { return (end, .date, String(decoding: s[i..<end], as: UTF8.self)) }
        } else if Self.isDigit(s[i]) || s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "(") {
            if let end = Self.numericDate(s, i, n) ?? Self.dayFirstDate(s, i, n) {
                return (end, .date, String(decoding: s[i..<end], as: UTF8.self))
            }
            if let (end, digits) = Self.phone(s, i, n) { return (end, .phone, digits) }
        }
        return nil
    }

    private mutating func appendPlaceholder(_ kind: Kind, key: String, to out: inout [UInt8]) {
        let number: Int
        if kind == .person, let person = Int(key) {
            if let existing = personNumbers[person] {
                number = existing
            } else {
                number = personNumbers.count + 1
                personNumbers[person] = number
            }
        } else if let existing = counters[kind.rawValue][key] {
            number = existing
        } else {
            number = counters[kind.rawValue].count + 1
            counters[kind.rawValue][key] = number
        }
        out.append(UInt8(ascii: "["))
        out.append(contentsOf: kind.label.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: String(number).utf8)
        out.append(UInt8(ascii: "]"))
    }

    // MARK: Recognisers. Each returns the end index of a match starting at i.

    private func name(_ s: Bytes, _ i: Int, wordEnd: Int, _ n: Int) -> (Int, Int)? {
        let initial = Self.lower(s[i])
        let b = Int(initial)
        let word = switch b >> 6 {
        case 0: nameInitials.0
        case 1: nameInitials.1
        case 2: nameInitials.2
        default: nameInitials.3
        }
        guard word & (1 << UInt64(b & 63)) != 0 else { return nil }
        let wordLength = wordEnd - i
        return nameBytes.withUnsafeBufferPointer { p in
            for pattern in names where pattern.initial == initial && i + pattern.count <= n {
                // A plain pattern is a whole word or nothing; one with a space or apostrophe runs past the first word.
                guard pattern.plain ? pattern.count == wordLength : pattern.count > wordLength else { continue }
                var j = 0
                while j < pattern.count {
                    let a = s[i + j], b = p[pattern.start + j]
                    if a != b && !(pattern.caseInsensitive && Self.lower(a) == Self.lower(b)) { break }
                    j += 1
                }
                if j == pattern.count && !Self.isWordByte(s[i + j]) { return (i + j, pattern.personKey) }
            }
            return nil
        }
    }

    static func email(_ s: Bytes, _ i: Int, _ n: Int) -> Int? {
        var j = i
        while j < n && isEmailLocal(s[j]) { j += 1 }
        guard j > i, j < n, s[j] == UInt8(ascii: "@") else { return nil }
        var k = j + 1
        var dots = 0
        while k < n && (isAlnum(s[k]) || s[k] == UInt8(ascii: "-") || (s[k] == UInt8(ascii: ".") && isAlnum(s[k + 1]))) {
            if s[k] == UInt8(ascii: ".") { dots += 1 }
            k += 1
        }
        return dots > 0 && k > j + 3 ? k : nil
    }

    /// UK phone numbers: 0 then 9 or 10 more digits, or +44 then 9 or 10 digits, with spaces, hyphens or brackets.
    static func phone(_ s: Bytes, _ i: Int, _ n: Int) -> (Int, String)? {
        var j = i
        var digits = [UInt8]()
        var lastDigitEnd = i
        if s[j] == UInt8(ascii: "+") { j += 1 }
        while j < n && digits.count < 13 {
            let c = s[j]
            if isDigit(c) {
                digits.append(c)
                lastDigitEnd = j + 1
            } else if c == UInt8(ascii: " ") || c == UInt8(ascii: "-") || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") {
                if !(isDigit(s[j + 1]) || s[j + 1] == UInt8(ascii: "(") || c == UInt8(ascii: ")")) { break }
            } else {
                break
            }
            j += 1
        }
        guard !isWordByte(s[lastDigitEnd]) else { return nil }
        let international = s[i] == UInt8(ascii: "+")
        let ok = international
            ? digits.count >= 11 && digits.count <= 12 && digits[0] == UInt8(ascii: "4") && digits[1] == UInt8(ascii: "4")
            : digits.count >= 10 && digits.count <= 11 && digits[0] == UInt8(ascii: "0")
        guard ok else { return nil }
        var national = international ? Array(digits.dropFirst(2)) : Array(digits.dropFirst())
        if national.first == UInt8(ascii: "0") { national.removeFirst() }
        return (lastDigitEnd, String(decoding: national, as: UTF8.self))
    }

    /// National Insurance numbers: two letters, six digits (optionally in spaced pairs), a letter A-D.
    static func niNumber(_ s: Bytes, _ i: Int, _ n: Int) -> Int? {
        guard isUpper(s[i]), isUpper(s[i + 1]) else { return nil }
        var j = i + 2
        var digits = 0
        while digits < 6 {
            if s[j] == UInt8(ascii: " ") && digits % 2 == 0 { j += 1 }
            guard isDigit(s[j]) else { return nil }
            digits += 1
            j += 1
        }
        if s[j] == UInt8(ascii: " ") { j += 1 }
        guard s[j] >= UInt8(ascii: "A"), s[j] <= UInt8(ascii: "D"), !isWordByte(s[j + 1]) else { return nil }
        return j + 1
    }

    /// UK postcodes, with or without the space, in either case.
    static func postcode(_ s: Bytes, _ i: Int, _ n: Int) -> Int? {
        var j = i
        var digits = 0
        while j < n && isAlnum(s[j]) && j - i < 7 {
            if isDigit(s[j]) { digits += 1 }
            j += 1
        }
        // Every postcode has a digit in each half; most words have none, and stop here.
        guard digits > 0, !isWordByte(s[j]) else { return nil }
        let length = j - i
        if (5...7).contains(length) {
            guard isDigit(s[j - 3]), isLetter(s[j - 2]), isLetter(s[j - 1]) else { return nil }
            return Postcode(String(decoding: s[i..<j], as: UTF8.self)) != nil ? j : nil
        }
        guard (2...4).contains(length), s[j] == UInt8(ascii: " ") else { return nil }
        let k = j + 1
        guard isDigit(s[k]), isLetter(s[k + 1]), isLetter(s[k + 2]), !isWordByte(s[k + 3]) else { return nil }
        return Postcode(String(decoding: s[i..<(k + 3)], as: UTF8.self)) != nil ? k + 3 : nil
    }

    /// 12/03/2026, 12-3-26, 12.03.2026 and 2026-03-12.
    static func numericDate(_ s: Bytes, _ i: Int, _ n: Int) -> Int? {
        func number(_ j: Int, max: Int) -> (Int, Int)? {
            var k = j
            while k < n && isDigit(s[k]) && k - j < max { k += 1 }
            return k > j ? (k, k - j) : nil
        }
        guard let (a, aLen) = number(i, max: 4) else { return nil }
        let separator = s[a]
        guard separator == UInt8(ascii: "/") || separator == UInt8(ascii: "-") || separator == UInt8(ascii: ".") else { return nil }
        guard let (b, bLen) = number(a + 1, max: 2), bLen <= 2, s[b] == separator,
              let (c, cLen) = number(b + 1, max: 4), !isWordByte(s[c])
        else { return nil }
        if aLen == 4 { return cLen <= 2 ? c : nil }
        return aLen <= 2 && (cLen == 2 || cLen == 4) ? c : nil
    }

    /// 12 March 2026, 12th March, 3 Jan 25.
    static func dayFirstDate(_ s: Bytes, _ i: Int, _ n: Int) -> Int? {
        var j = i
        while j < n && isDigit(s[j]) && j - i < 2 { j += 1 }
        guard j > i, !isDigit(s[j]) else { return nil }
        for suffix in ["st", "nd", "rd", "th"] where startsWith(s, j, suffix) { j += 2; break }
        guard s[j] == UInt8(ascii: " "), let end = month(s, j + 1, n) else { return nil }
        return year(s, end, n) ?? end
    }

    /// March 12, March 12th 2026, March 2026.
    static func monthFirstDate(_ s: Bytes, _ i: Int, _ n: Int) -> Int? {
        guard let end = month(s, i, n), s[end] == UInt8(ascii: " "), isDigit(s[end + 1]) else { return nil }
        var j = end + 1
        while j < n && isDigit(s[j]) && j - end <= 4 { j += 1 }
        let digits = j - end - 1
        if digits == 4 { return isWordByte(s[j]) ? nil : j }
        guard digits <= 2 else { return nil }
        for suffix in ["st", "nd", "rd", "th"] where startsWith(s, j, suffix) { j += 2; break }
        guard !isWordByte(s[j]) else { return nil }
        if s[j] == UInt8(ascii: ","), let y = year(s, j + 1, n) { return y }
        return year(s, j, n) ?? j
    }

    private static let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                                 "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
                                 "sept", "oct", "nov", "dec"].map { Array($0.utf8) }.sorted { $0.count > $1.count }

    private static func month(_ s: Bytes, _ i: Int, _ n: Int) -> Int? {
        // Month names start with one of A D F J M N O S.
        guard isUpper(s[i]), monthInitials[Int(s[i] - 65)] else { return nil }
        for name in months where i + name.count <= n {
            var k = 0
            while k < name.count && lower(s[i + k]) == name[k] { k += 1 }
            if k == name.count && !isWordByte(s[i + k]) { return i + k }
        }
        return nil
    }

    /// " 2026" or " 26" after a date, if present.
    private static let monthInitials: [Bool] = (0..<26).map { "ADFJMNOS".utf8.contains(UInt8(65 + $0)) }

    private static func year(_ s: Bytes, _ i: Int, _ n: Int) -> Int? {
        guard s[i] == UInt8(ascii: " ") else { return nil }
        var j = i + 1
        while j < n && isDigit(s[j]) && j - i <= 4 { j += 1 }
        let digits = j - i - 1
        return (digits == 4 || digits == 2) && !isWordByte(s[j]) ? j : nil
    }

    private static func startsWith(_ s: Bytes, _ i: Int, _ text: String) -> Bool {
        var k = i
        for b in text.utf8 {
            guard k < s.count, s[k] == b else { return false }
            k += 1
        }
        return !isWordByte(k < s.count ? s[k] : 0)
    }

    private static func normalised(_ bytes: Slice<Bytes>) -> String {
        String(decoding: bytes.filter { $0 != UInt8(ascii: " ") }.map { lower($0) }, as: UTF8.self)
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b >= 65 && b <= 90 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { isUpper(b) || (b >= 97 && b <= 122) }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) }
    /// Letters, digits, apostrophes inside names, and any non-ASCII byte (accented letters).
    @inline(__always) static func isWordByte(_ b: UInt8) -> Bool { isAlnum(b) || b >= 0x80 || b == UInt8(ascii: "_") }
    @inline(__always) static func isEmailLocal(_ b: UInt8) -> Bool {
        isAlnum(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "%") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
    }
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { isUpper(b) ? b + 32 : b }
}
