import ByteEncoding
import CaseModel
import Foundation

/// What the scrubber's main loop needs to know of a byte, looked up once per byte.
enum ByteClass {
    static let word: UInt8 = 1
    static let digit: UInt8 = 2
    static let letter: UInt8 = 4
    /// A separator the loop must look at: a phone number's "+" or "(", or a byte JSON escapes.
    static let special: UInt8 = 8

    /// 256 classes, made once and kept for the life of the process (a pointer, so reading it needs no closure).
    nonisolated(unsafe) static let table: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for b in 0...255 {
            let byte = UInt8(b)
            table[b] =
                if TextBytes.isDigit(byte) { word | digit } else if TextBytes.isLetter(byte) { word | letter } else if TextBytes.isWordByte(byte) {
                    word
                } else if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "(") || JSONString.needsEscape(byte) { special } else { 0 }
        }
        return UnsafePointer(table)
    }()
}

/// Text being scrubbed: its UTF-8 bytes in place, read as 0 past the end so look-aheads need no bounds test,
/// and the recognisers of each kind of identifier, which return where one starting at a given byte ends.
struct TextBytes {
    let base: UnsafePointer<UInt8>
    let count: Int

    init(base: UnsafePointer<UInt8>?, count: Int) {
        // An empty string may have no storage; it is never read.
        self.base = base ?? UnsafePointer(bitPattern: 1)!
        self.count = count
    }

    @inline(__always) subscript(i: Int) -> UInt8 { i < count ? base[i] : 0 }

    /// The index of the next `byte` at or after `i`, or Int.max.
    func next(_ byte: UInt8, from i: Int) -> Int {
        guard i < count, let found = memchr(base + i, Int32(byte), count - i) else { return Int.max }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// The next email address from `i` on, or (Int.max, Int.max): found from the @ signs, so ordinary words
    /// are never tried as addresses. It starts at the first word byte of its local part, no earlier than `i`
    /// and at most 64 bytes before the @ (the longest a local part may be).
    @inline(never)
    static func nextEmail(_ s: TextBytes, from i: Int) -> (start: Int, end: Int) {
        var at = s.next(UInt8(ascii: "@"), from: i)
        while at != Int.max {
            var start = at
            while start > i, at - start < 64, isEmailLocal(s[start - 1]) { start -= 1 }
            while start < at, !isWordByte(s[start]) { start += 1 }
            if start < at, let end = email(s, start) { return (start, end) }
            at = s.next(UInt8(ascii: "@"), from: at + 1)
        }
        return (Int.max, Int.max)
    }

    // MARK: Recognisers. Each returns the end index of a match starting at i.

    static func email(_ s: TextBytes, _ i: Int) -> Int? {
        var j = i
        while isEmailLocal(s[j]) { j += 1 }
        guard j > i, s[j] == UInt8(ascii: "@") else { return nil }
        var k = j + 1
        var dots = 0
        while isAlnum(s[k]) || s[k] == UInt8(ascii: "-") || (s[k] == UInt8(ascii: ".") && isAlnum(s[k + 1])) {
            if s[k] == UInt8(ascii: ".") { dots += 1 }
            k += 1
        }
        return dots > 0 && k > j + 3 ? k : nil
    }

    /// UK phone numbers: 0 then 9 or 10 more digits, or +44 then 9 or 10 digits, with spaces, hyphens or brackets.
    static func phone(_ s: TextBytes, _ i: Int) -> Int? {
        var j = i
        var digits = 0
        var first: UInt8 = 0
        var second: UInt8 = 0
        var lastDigitEnd = i
        if s[j] == UInt8(ascii: "+") { j += 1 }
        while j < s.count && digits < 13 {
            let c = s[j]
            if isDigit(c) {
                if digits == 0 { first = c } else if digits == 1 { second = c }
                digits += 1
                lastDigitEnd = j + 1
            } else if c == UInt8(ascii: "(") && s[j + 1] == UInt8(ascii: "0") && s[j + 2] == UInt8(ascii: ")") && digits == 2 && first == 52 {
                // +44 (0)20 …: the trunk zero written in brackets after the country code is not dialled.
                j += 2
            } else if c == UInt8(ascii: " ") || c == UInt8(ascii: "-") || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: ".") {
                if !(isDigit(s[j + 1]) || s[j + 1] == UInt8(ascii: "(") || c == UInt8(ascii: ")")) { break }
            } else {
                break
            }
            j += 1
        }
        guard !isWordByte(s[lastDigitEnd]) else { return nil }
        let ok =
            s[i] == UInt8(ascii: "+")
            ? (11...12).contains(digits) && first == UInt8(ascii: "4") && second == UInt8(ascii: "4")
            : (10...11).contains(digits) && first == UInt8(ascii: "0")
        return ok ? lastDigitEnd : nil
    }

    /// National Insurance numbers: two letters, six digits (optionally in spaced pairs), a letter A-D.
    static func niNumber(_ s: TextBytes, _ i: Int) -> Int? {
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

    /// A house number and its street: one to four digits (and a letter, "7a"), then one to three words of
    /// which the last is a kind of street ("12 Boston Road", "7a larkspur close"), in any case.
    static func streetAddress(_ s: TextBytes, _ i: Int) -> Int? {
        var j = i
        while isDigit(s[j]) { j += 1 }
        guard (1...4).contains(j - i) else { return nil }
        if isLetter(s[j]) && !isWordByte(s[j + 1]) { j += 1 }
        guard s[j] == UInt8(ascii: " ") else { return nil }
        j += 1
        for _ in 0..<3 {
            let start = j
            while isLetter(s[j]) || (s[j] == UInt8(ascii: "'") && isLetter(s[j + 1])) { j += 1 }
            guard j > start, !isWordByte(s[j]) else { return nil }
            if isStreetType(s, start, j) { return j }
            guard s[j] == UInt8(ascii: " ") else { return nil }
            j += 1
        }
        return nil
    }

    /// Kinds of street by length (index), so a word is compared only with those as long as it.
    private static let streetTypes: [[[UInt8]]] = {
        let names = [
            "road", "street", "avenue", "close", "lane", "gardens", "way", "crescent", "walk", "court", "mews", "drive", "place",
            "terrace", "grove", "square", "rise", "parade", "row", "broadway", "parkway", "vale", "yard", "approach", "hill", "green",
        ]
        var byLength = [[[UInt8]]](repeating: [], count: 9)
        for name in names { byLength[name.utf8.count].append(Array(name.utf8)) }
        return byLength
    }()

    private static func isStreetType(_ s: TextBytes, _ start: Int, _ end: Int) -> Bool {
        let length = end - start
        guard length < streetTypes.count else { return false }
        let first = lower(s.base[start])
        for type in streetTypes[length] where type[0] == first {
            var k = 1
            while k < length && lower(s.base[start + k]) == type[k] { k += 1 }
            if k == length { return true }
        }
        return false
    }

    /// UK vehicle registration marks in any case: current (AB12 CDE), prefix (A123 BCD) and suffix (ABC 123D),
    /// with or without the space.
    static func vehicleRegistration(_ s: TextBytes, _ i: Int) -> Int? {
        func letters(_ j: Int, _ n: Int) -> Bool { (0..<n).allSatisfy { isLetter(s[j + $0]) } }
        func digits(from j: Int, max: Int) -> Int {
            var k = j
            while isDigit(s[k]) && k - j < max { k += 1 }
            return k - j
        }
        func space(_ j: Int) -> Int { s[j] == UInt8(ascii: " ") ? j + 1 : j }
        func ends(_ j: Int) -> Int? { isWordByte(s[j]) ? nil : j }
        // Current: two letters, two digits, three letters.
        if letters(i, 2), digits(from: i + 2, max: 3) == 2 {
            let k = space(i + 4)
            if letters(k, 3), let end = ends(k + 3) { return end }
        }
        // Prefix: a letter, one to three digits, three letters.
        if letters(i, 1) {
            let n = digits(from: i + 1, max: 4)
            if (1...3).contains(n) {
                let k = space(i + 1 + n)
                if k > i + 1 + n || isUpper(s[i]), letters(k, 3), let end = ends(k + 3) { return end }
            }
        }
        // Suffix: three letters, one to three digits, a letter.
        if letters(i, 3) {
            let k = space(i + 3)
            let n = digits(from: k, max: 4)
            if (1...3).contains(n), letters(k + n, 1), let end = ends(k + n + 1) { return end }
        }
        return nil
    }

    /// UK postcodes, with or without the space, in either case.
    static func postcode(_ s: TextBytes, _ i: Int) -> Int? {
        var j = i
        var digits = 0
        while isAlnum(s[j]) && j - i < 7 {
            if isDigit(s[j]) { digits += 1 }
            j += 1
        }
        // Every postcode has a digit in each half; most words have none, and stop here.
        guard digits > 0, !isWordByte(s[j]) else { return nil }
        let length = j - i
        if (5...7).contains(length) {
            guard isDigit(s[j - 3]), isLetter(s[j - 2]), isLetter(s[j - 1]) else { return nil }
            return isPostcode(s, i, j) ? j : nil
        }
        guard (2...4).contains(length), s[j] == UInt8(ascii: " ") else { return nil }
        let k = j + 1
        guard isDigit(s[k]), isLetter(s[k + 1]), isLetter(s[k + 2]), !isWordByte(s[k + 3]) else { return nil }
        return isPostcode(s, i, k + 3) ? k + 3 : nil
    }

    private static func isPostcode(_ s: TextBytes, _ i: Int, _ end: Int) -> Bool {
        Postcode.isValid(utf8: UnsafeBufferPointer(start: s.base + i, count: end - i))
    }

    /// 12/03/2026, 12-3-26, 12.03.2026 and 2026-03-12.
    static func numericDate(_ s: TextBytes, _ i: Int) -> Int? {
        func number(_ j: Int, max: Int) -> (Int, Int)? {
            var k = j
            while isDigit(s[k]) && k - j < max { k += 1 }
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
    static func dayFirstDate(_ s: TextBytes, _ i: Int) -> Int? {
        var j = i
        while isDigit(s[j]) && j - i < 2 { j += 1 }
        guard j > i, !isDigit(s[j]) else { return nil }
        j = afterOrdinal(s, j)
        guard s[j] == UInt8(ascii: " "), let end = month(s, j + 1) else { return nil }
        return year(s, end) ?? end
    }

    /// March 12, March 12th 2026, March 2026.
    static func monthFirstDate(_ s: TextBytes, _ i: Int) -> Int? {
        guard let end = month(s, i), s[end] == UInt8(ascii: " "), isDigit(s[end + 1]) else { return nil }
        var j = end + 1
        while isDigit(s[j]) && j - end <= 4 { j += 1 }
        let digits = j - end - 1
        if digits == 4 { return isWordByte(s[j]) ? nil : j }
        guard digits <= 2 else { return nil }
        j = afterOrdinal(s, j)
        guard !isWordByte(s[j]) else { return nil }
        if s[j] == UInt8(ascii: ","), let y = year(s, j + 1) { return y }
        return year(s, j) ?? j
    }

    /// Past "st", "nd", "rd" or "th" ending a word at j, if there is one.
    private static func afterOrdinal(_ s: TextBytes, _ j: Int) -> Int {
        switch (s[j], s[j + 1]) {
        case (UInt8(ascii: "s"), UInt8(ascii: "t")), (UInt8(ascii: "n"), UInt8(ascii: "d")),
            (UInt8(ascii: "r"), UInt8(ascii: "d")), (UInt8(ascii: "t"), UInt8(ascii: "h")):
            isWordByte(s[j + 2]) ? j : j + 2
        default: j
        }
    }

    /// Month names and their short forms, each packed five bits a letter (see `monthKey`).
    private static let months: [UInt64] = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
        "sep", "sept", "oct", "nov", "dec",
    ].map { name in
        name.utf8.reduce(0) { $0 << 5 | UInt64($1 - 96) }
    }

    /// The end of the month name that is the whole word at i, in any case but starting with a capital.
    private static func month(_ s: TextBytes, _ i: Int) -> Int? {
        let first = s[i]
        // A bit per capital letter: A D F J M N O S.
        let initials: UInt32 = 1 << 0 | 1 << 3 | 1 << 5 | 1 << 9 | 1 << 12 | 1 << 13 | 1 << 14 | 1 << 18
        guard isUpper(first), initials & (1 << UInt32(first - 65)) != 0 else { return nil }
        var key: UInt64 = 0
        var k = 0
        while k < 10, isLetter(s[i + k]) {
            key = key << 5 | UInt64(lower(s[i + k]) - 96)
            k += 1
        }
        guard (3...9).contains(k), !isWordByte(s[i + k]) else { return nil }
        return months.contains(key) ? i + k : nil
    }

    /// " 2026" or " 26" after a date, if present.
    private static func year(_ s: TextBytes, _ i: Int) -> Int? {
        guard s[i] == UInt8(ascii: " ") else { return nil }
        var j = i + 1
        while isDigit(s[j]) && j - i <= 4 { j += 1 }
        let digits = j - i - 1
        return (digits == 4 || digits == 2) && !isWordByte(s[j]) ? j : nil
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b &- 65 < 26 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 97 < 26 }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) }
    /// Letters, digits, underscores and any non-ASCII byte (accented letters).
    @inline(__always) static func isWordByte(_ b: UInt8) -> Bool { isAlnum(b) || b >= 0x80 || b == UInt8(ascii: "_") }
    @inline(__always) static func isEmailLocal(_ b: UInt8) -> Bool {
        isAlnum(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "%") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
    }
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { isUpper(b) ? b + 32 : b }
}
