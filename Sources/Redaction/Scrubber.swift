import ByteEncoding
import CaseModel
import Foundation

/// Removes identifiers from free text, replacing each with a typed placeholder
/// (`[PERSON 1]`, `[PHONE 1]`, `[EMAIL 1]`, `[POSTCODE 1]`, `[NI NUMBER 1]`,
/// `[DATE 1]`). One scrubber serves one view, so the same person or number
/// gets the same placeholder in every field of that view.
///
/// It scans the UTF-8 bytes once, in place, trying the recognisers only at the
/// few word starts that could begin an identifier, and copies the text between
/// identifiers in whole runs (JSON-escaped when writing a view). No regular
/// expressions, no per-word strings, no hashing: this runs on every disclosure.
public struct Scrubber {
    private struct NamePattern {
        var start: Int
        var count: Int
        var person: Int
        var caseInsensitive: Bool
        /// Every byte a word byte: it can only match a word of exactly its length.
        var plain: Bool
        /// Lower-cased first byte.
        var initial: UInt8
        /// Length of the first word: a word can only begin a name whose first word is as long.
        var firstWord: Int
    }

    /// Every name pattern's bytes, back to back; patterns index into it (no per-pattern arrays to retain).
    private var nameBytes: [UInt8] = []
    private var names: [NamePattern] = []
    /// The shapes of names' first words (lower-cased first byte and length), hashed into a 128-bit set:
    /// most words are turned away by one test. Two words picked by a conditional move: indexing a tuple
    /// or vector by a variable costs a jump table or a trip through memory, on every word.
    private var nameShapesLow: UInt64 = 0
    private var nameShapesHigh: UInt64 = 0
    /// The placeholders given so far, back to back, each as its kind (one byte), number (four bytes) and key
    /// length (two bytes), little-endian, then its key: the value normalised, or for a person their party index.
    /// One buffer, so a view's numbering costs one allocation.
    private var seen: [UInt8] = []

    enum Kind: UInt8 {
        case person, phone, email, postcode, ni, date

        var label: StaticString {
            switch self {
            case .person: "[PERSON "
            case .phone: "[PHONE "
            case .email: "[EMAIL "
            case .postcode: "[POSTCODE "
            case .ni: "[NI NUMBER "
            case .date: "[DATE "
            }
        }
    }

    /// Prepares to scrub the names of these parties: each full name (any case)
    /// and each part of three or more letters as written (so "Grace" the name
    /// goes, "grace" the word stays).
    public init(parties: [Party]) {
        // Each name and its parts, copied once into one buffer: a part is never longer than its name.
        let capacity = parties.reduce(0) { $0 + 2 * $1.name.utf8.count }
        var names: [NamePattern] = []
        names.reserveCapacity(parties.count * 3)
        var shapesLow: UInt64 = 0, shapesHigh: UInt64 = 0
        nameBytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            // By index: iterating would copy every party, every field retained and released.
            for k in parties.indices where !parties[k].name.isEmpty {
                // Parties with the same person id (a complainant who is also the victim) are one person:
                // a person is numbered by the first party with their id.
                let id = parties[k].id
                var person = 0
                while parties[person].id != id { person += 1 }
                if person < k { continue }
                var name = parties[k].name
                name.withUTF8 { name in
                    Self.add(name, person: person, caseInsensitive: true, to: buffer, &count, &names, &shapesLow, &shapesHigh)
                    // Parts split on bytes, not Characters: grapheme breaking cost more than the whole scrub.
                    var start = 0
                    for end in 0...name.count where end == name.count || name[end] == UInt8(ascii: " ") || name[end] == UInt8(ascii: "-") {
                        defer { start = end + 1 }
                        let part = UnsafeBufferPointer(rebasing: name[start..<end])
                        // Three or more letters (UTF-8 lead bytes, so "Zoë" counts three), and not the whole name again.
                        guard part.count < name.count, part.count(where: { $0 & 0xC0 != 0x80 }) >= 3 else { continue }
                        Self.add(part, person: person, caseInsensitive: false, to: buffer, &count, &names, &shapesLow, &shapesHigh)
                    }
                }
            }
        }
        // Longest first, so a full name wins over its parts.
        names.sort { $0.count > $1.count }
        self.names = names
        nameShapesLow = shapesLow
        nameShapesHigh = shapesHigh
        seen.reserveCapacity(512)
    }

    /// Adds one name pattern: its bytes at `count` in `buffer`, its entry, its shape.
    private static func add(
        _ bytes: UnsafeBufferPointer<UInt8>, person: Int, caseInsensitive: Bool, to buffer: UnsafeMutableBufferPointer<UInt8>,
        _ count: inout Int, _ names: inout [NamePattern], _ shapesLow: inout UInt64, _ shapesHigh: inout UInt64
    ) {
        let initial = TextBytes.lower(bytes[0])
        var plain = true
        var firstWord = bytes.count
        for (k, b) in bytes.enumerated() where !TextBytes.isWordByte(b) {
            if plain { firstWord = k }
            plain = false
        }
        names.append(NamePattern(start: count, count: bytes.count, person: person, caseInsensitive: caseInsensitive,
                                 plain: plain, initial: initial, firstWord: firstWord))
        _ = UnsafeMutableBufferPointer(rebasing: buffer[count...]).initialize(fromContentsOf: bytes)
        count += bytes.count
        let b = shape(initial, firstWord)
        if b < 64 { shapesLow |= 1 << UInt64(b) } else { shapesHigh |= 1 << UInt64(b & 63) }
    }

    /// The text with its identifiers replaced.
    public mutating func scrub(_ text: String) -> String {
        var out = ByteWriter(capacity: text.utf8.count + 32)
        var text = text
        text.withUTF8 { scrub(TextBytes(base: $0.baseAddress, count: $0.count), into: &out, escapingJSON: false) }
        return out.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Appends the scrubbed text to `out` as a JSON string literal, quotes included.
    public mutating func scrub(_ text: String, asJSONStringTo out: inout ByteWriter) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { scrub(TextBytes(base: $0.baseAddress, count: $0.count), into: &out, escapingJSON: true) }
        out.append(UInt8(ascii: "\""))
    }

    private mutating func scrub(_ s: TextBytes, into out: inout ByteWriter, escapingJSON: Bool) {
        let n = s.count
        guard n > 0 else { return }
        // Copied so far: text between identifiers goes out in whole runs. Every byte that needs a JSON escape
        // is a separator the loop stops at, so runs are copied as they are.
        var run = 0
        // The next email address at or after i, found from its @: only the word that starts it is tried.
        var email = (start: -1, end: -1)
        var i = 0
        let classes = ByteClass.table
        do {
            while i < n {
                let byte = s.base[i]
                let c = classes[Int(byte)]
                if c & ByteClass.word != 0 {
                    if email.start < i { email = TextBytes.nextEmail(s, from: i) }
                    if email.start == i {
                        out.append(s, from: run, to: i)
                        appendPlaceholder(.email, s, from: i, to: email.end, value: 0, to: &out)
                        i = email.end
                        run = i
                        continue
                    }
                    var j = i + 1
                    var seen = UInt(c)  // word-sized: byte-sized, the or costs register shuffles on every byte
                    // Two bytes a turn: words are short, and the loop's own test and branch cost as much as the lookup.
                    while j + 1 < n {
                        let a = UInt(classes[Int(s.base[j])]), b = UInt(classes[Int(s.base[j + 1])])
                        if a & UInt(ByteClass.word) == 0 { break }
                        seen |= a
                        j += 1
                        if b & UInt(ByteClass.word) == 0 { break }
                        seen |= b
                        j += 1
                    }
                    if j + 1 == n, classes[Int(s.base[j])] & ByteClass.word != 0 {
                        seen |= UInt(classes[Int(s.base[j])])
                        j += 1
                    }
                    let digit = seen & UInt(ByteClass.digit) != 0
                    // Most words are ordinary: no digit in or just after them, not shaped like a name.
                    // (A letter word followed by a number matters only capitalised: an NI number's letters, a month.)
                    guard digit || c & ByteClass.letter == 0 || (TextBytes.isUpper(byte) && TextBytes.isDigit(s[j + 1]))
                        || mayBeName(byte, length: j - i)
                    else {
                        i = j
                        continue
                    }
                    if let (end, kind, value) = match(s, at: i, wordEnd: j, hasDigit: digit) {
                        out.append(s, from: run, to: i)
                        appendPlaceholder(kind, s, from: i, to: end, value: value, to: &out)
                        i = end
                        run = end
                    } else {
                        i = j
                    }
                    continue
                }
                if c & ByteClass.special != 0 {
                    if (byte == UInt8(ascii: "+") || byte == UInt8(ascii: "(")) && TextBytes.isDigit(s[i + 1]), let end = TextBytes.phone(s, i) {
                        out.append(s, from: run, to: i)
                        appendPlaceholder(.phone, s, from: i, to: end, value: 0, to: &out)
                        i = end
                        run = end
                        continue
                    }
                    if escapingJSON && JSONString.needsEscape(byte) {
                        out.append(s, from: run, to: i)
                        JSONString.appendEscape(byte, to: &out)
                        run = i + 1
                    }
                }
                i += 1
            }
        }
        out.append(s, from: run, to: n)
    }

    /// The identifier starting at the word s[i..<wordEnd], if there is one: where it ends, its kind, and for a person their index.
    /// Kept out of line: inlined, it crowds the main loop's registers.
    @inline(never)
    private func match(_ s: TextBytes, at i: Int, wordEnd: Int, hasDigit: Bool) -> (Int, Kind, Int)? {
        let first = s.base[i]
        if TextBytes.isLetter(first) {
            if let (end, person) = name(s, i, wordEnd: wordEnd) { return (end, .person, person) }
            // What is left (NI numbers, postcodes, "March 12") needs a digit in the word or just after it.
            guard hasDigit || (s[wordEnd] == UInt8(ascii: " ") && TextBytes.isDigit(s[wordEnd + 1])) else { return nil }
            if let end = TextBytes.niNumber(s, i) { return (end, .ni, 0) }
            if let end = TextBytes.postcode(s, i) { return (end, .postcode, 0) }
            if let end = TextBytes.monthFirstDate(s, i) { return (end, .date, 0) }
        } else if TextBytes.isDigit(first) {
            if let end = TextBytes.numericDate(s, i) ?? TextBytes.dayFirstDate(s, i) { return (end, .date, 0) }
            if let end = TextBytes.phone(s, i) { return (end, .phone, 0) }
        }
        return nil
    }

    @inline(__always) private static func shape(_ initial: UInt8, _ length: Int) -> Int {
        (Int(initial) &* 7 &+ length) & 127
    }

    /// Whether a word could begin some name: false for certain, true perhaps.
    @inline(__always) private func mayBeName(_ byte: UInt8, length: Int) -> Bool {
        let b = Self.shape(TextBytes.lower(byte), length)
        let set = b < 64 ? nameShapesLow : nameShapesHigh
        return set & (1 << UInt64(b & 63)) != 0
    }

    private func name(_ s: TextBytes, _ i: Int, wordEnd: Int) -> (Int, Int)? {
        guard mayBeName(s.base[i], length: wordEnd - i) else { return nil }
        let initial = TextBytes.lower(s.base[i])
        let wordLength = wordEnd - i
        return nameBytes.withUnsafeBufferPointer { p in
            let after = s[wordEnd]
            // The word must be the pattern's first word: a plain pattern is that word or nothing; one with a
            // space or hyphen runs on, with the same separator just where the word stops.
            for k in names.indices where names[k].initial == initial && names[k].firstWord == wordLength {
                let pattern = names[k]
                guard i + pattern.count <= s.count, pattern.plain || p[pattern.start + wordLength] == after else { continue }
                var j = 0
                while j < pattern.count {
                    let a = s.base[i + j], b = p[pattern.start + j]
                    if a != b && !(pattern.caseInsensitive && TextBytes.lower(a) == TextBytes.lower(b)) { break }
                    j += 1
                }
                if j == pattern.count && !TextBytes.isWordByte(s[i + j]) { return (i + j, pattern.person) }
            }
            return nil
        }
    }

    /// Writes the placeholder, numbering values in order of first appearance within this view.
    @inline(never)
    private mutating func appendPlaceholder(_ kind: Kind, _ s: TextBytes, from i: Int, to end: Int, value person: Int, to out: inout ByteWriter) {
        let number = kind == .person ? self.number(person: person) : self.number(kind, normalising: s, from: i, to: end)
        out.append(kind.label)
        out.appendDecimal(number)
        out.append(UInt8(ascii: "]"))
    }

    /// The number of a person (by the index of their first party), in order of first appearance.
    private mutating func number(person: Int) -> Int {
        var key = UInt16(truncatingIfNeeded: person)
        return withUnsafeBytes(of: &key) { number(.person, key: $0.bindMemory(to: UInt8.self)) }
    }

    /// The number of this value among those of its kind: the same number, once spaces and case (or a phone
    /// number's prefix) are set aside, gets the same placeholder.
    private mutating func number(_ kind: Kind, normalising s: TextBytes, from i: Int, to end: Int) -> Int {
        // The key is made on the stack (a normalised value is never longer than the text it came from).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: end - i) { key in
            var n = 0
            switch kind {
            case .phone:
                for k in i..<end where TextBytes.isDigit(s.base[k]) {
                    key[n] = s.base[k]
                    n += 1
                }
                // National form: +44 20… and 020… are the same number.
                var prefix = 0
                if s.base[i] == UInt8(ascii: "+") && n >= 2 && key[0] == 52 && key[1] == 52 { prefix = 2 }
                if n > prefix && key[prefix] == UInt8(ascii: "0") { prefix += 1 }
                return number(kind, key: UnsafeBufferPointer(rebasing: key[prefix..<n]))
            case .date:
                return number(kind, key: UnsafeBufferPointer(start: s.base + i, count: end - i))
            default:
                for k in i..<end where s.base[k] != UInt8(ascii: " ") {
                    key[n] = TextBytes.lower(s.base[k])
                    n += 1
                }
                return number(kind, key: UnsafeBufferPointer(rebasing: key[..<n]))
            }
        }
    }

    /// The number an earlier entry of this kind with the same key was given, or the next number of its kind
    /// (and the entry added).
    private mutating func number(_ kind: Kind, key: UnsafeBufferPointer<UInt8>) -> Int {
        // Keys past 65,535 bytes are cut there: at worst two such values share a number.
        let key = UnsafeBufferPointer(rebasing: key.prefix(0xFFFF))
        var sameKind = 0
        let found = seen.withUnsafeBufferPointer { p -> Int in
            var k = 0
            while k < p.count {
                let length = Int(p[k + 5]) | Int(p[k + 6]) << 8
                if p[k] == kind.rawValue {
                    sameKind += 1
                    if length == key.count && (length == 0 || memcmp(p.baseAddress! + k + 7, key.baseAddress!, length) == 0) {
                        return Int(p[k + 1]) | Int(p[k + 2]) << 8 | Int(p[k + 3]) << 16 | Int(p[k + 4]) << 24
                    }
                }
                k += 7 + length
            }
            return 0
        }
        if found > 0 { return found }
        let number = sameKind + 1
        var header: (UInt8, UInt32, UInt16) = (kind.rawValue, 0, 0)
        withUnsafeMutableBytes(of: &header) { raw in
            raw[0] = kind.rawValue
            for b in 0..<4 { raw[1 + b] = UInt8(truncatingIfNeeded: number >> (8 * b)) }
            raw[5] = UInt8(truncatingIfNeeded: key.count)
            raw[6] = UInt8(truncatingIfNeeded: key.count >> 8)
            seen.append(contentsOf: raw.bindMemory(to: UInt8.self).prefix(7))
        }
        seen.append(contentsOf: key)
        return number
    }
}

/// What the scrubber's main loop needs to know of a byte, looked up once per byte.
private enum ByteClass {
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
            table[b] = if TextBytes.isDigit(byte) { word | digit }
                else if TextBytes.isLetter(byte) { word | letter }
                else if TextBytes.isWordByte(byte) { word }
                else if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "(") || JSONString.needsEscape(byte) { special }
                else { 0 }
        }
        return UnsafePointer(table)
    }()
}

/// Text being scrubbed: its UTF-8 bytes in place, read as 0 past the end so look-aheads need no bounds test.
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
        var first: UInt8 = 0, second: UInt8 = 0
        var lastDigitEnd = i
        if s[j] == UInt8(ascii: "+") { j += 1 }
        while j < s.count && digits < 13 {
            let c = s[j]
            if isDigit(c) {
                if digits == 0 { first = c } else if digits == 1 { second = c }
                digits += 1
                lastDigitEnd = j + 1
            } else if c == UInt8(ascii: " ") || c == UInt8(ascii: "-") || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") {
                if !(isDigit(s[j + 1]) || s[j + 1] == UInt8(ascii: "(") || c == UInt8(ascii: ")")) { break }
            } else {
                break
            }
            j += 1
        }
        guard !isWordByte(s[lastDigitEnd]) else { return nil }
        let ok = s[i] == UInt8(ascii: "+")
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
    private static let months: [UInt64] = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                                           "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
                                           "sep", "sept", "oct", "nov", "dec"].map { name in
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

extension ByteWriter {
    fileprivate mutating func append(_ s: TextBytes, from: Int, to: Int) {
        guard to > from else { return }
        append(contentsOf: UnsafeBufferPointer(start: s.base + from, count: to - from))
    }
}
