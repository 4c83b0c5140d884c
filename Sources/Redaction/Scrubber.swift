import ByteEncoding
import CaseModel
import Foundation

/// Removes identifiers from free text, replacing each with a typed placeholder
/// (`[PERSON 1]`, `[PHONE 1]`, `[EMAIL 1]`, `[POSTCODE 1]`, `[NI NUMBER 1]`,
/// `[DATE 1]`, `[ADDRESS 1]`, `[VEHICLE 1]`). One scrubber serves one view, so the same person or number
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
        case person, phone, email, postcode, ni, date, address, vehicle

        var label: StaticString {
            switch self {
            case .person: "[PERSON "
            case .phone: "[PHONE "
            case .email: "[EMAIL "
            case .postcode: "[POSTCODE "
            case .ni: "[NI NUMBER "
            case .date: "[DATE "
            case .address: "[ADDRESS "
            case .vehicle: "[VEHICLE "
            }
        }
    }

    /// Prepares to scrub the names of these parties: each full name and each part of three or more
    /// letters on its own, in any case ("OKAFOR", "okafor's"), apostrophes and hyphens included. A part that is
    /// also an ordinary word goes too ("grace" for a party named Grace): a name left in is worse.
    public init(parties: [Party]) {
        // Each name and its parts, copied once into one buffer: a part is never longer than its name.
        let capacity = parties.reduce(0) { $0 + 2 * $1.name.utf8.count }
        var names: [NamePattern] = []
        names.reserveCapacity(parties.count * 3)
        var shapesLow: UInt64 = 0
        var shapesHigh: UInt64 = 0
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
                        Self.add(part, person: person, caseInsensitive: true, to: buffer, &count, &names, &shapesLow, &shapesHigh)
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
        _ bytes: UnsafeBufferPointer<UInt8>,
        person: Int,
        caseInsensitive: Bool,
        to buffer: UnsafeMutableBufferPointer<UInt8>,
        _ count: inout Int,
        _ names: inout [NamePattern],
        _ shapesLow: inout UInt64,
        _ shapesHigh: inout UInt64
    ) {
        let initial = TextBytes.lower(bytes[0])
        var plain = true
        var firstWord = bytes.count
        for (k, b) in bytes.enumerated() where !TextBytes.isWordByte(b) {
            if plain { firstWord = k }
            plain = false
        }
        names.append(
            NamePattern(
                start: count,
                count: bytes.count,
                person: person,
                caseInsensitive: caseInsensitive,
                plain: plain,
                initial: initial,
                firstWord: firstWord
            )
        )
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
                    let a = UInt(classes[Int(s.base[j])])
                    let b = UInt(classes[Int(s.base[j + 1])])
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
                guard
                    digit || c & ByteClass.letter == 0 || (TextBytes.isUpper(byte) && TextBytes.isDigit(s[j + 1]))
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
            if let end = TextBytes.vehicleRegistration(s, i) { return (end, .vehicle, 0) }
        } else if TextBytes.isDigit(first) {
            if let end = TextBytes.numericDate(s, i) ?? TextBytes.dayFirstDate(s, i) { return (end, .date, 0) }
            if let end = TextBytes.phone(s, i) { return (end, .phone, 0) }
            if let end = TextBytes.streetAddress(s, i) { return (end, .address, 0) }
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
                    let a = s.base[i + j]
                    let b = p[pattern.start + j]
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

extension ByteWriter {
    fileprivate mutating func append(_ s: TextBytes, from: Int, to: Int) {
        guard to > from else { return }
        append(contentsOf: UnsafeBufferPointer(start: s.base + from, count: to - from))
    }
}
