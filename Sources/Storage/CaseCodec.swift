import CaseModel
import Foundation

/// The sealed form of a case: a compact binary document, written and read field by field.
///
/// Reading a case is on every disclosure, and `JSONDecoder` spent more time on a case than
/// everything else in the view. Rows sealed before this format hold JSON (first byte `{`) or its
/// versions 2 (events without their recording time) and 3 (events without the party they concern) and still
/// read; every write uses version 4. Enums are stored by raw value, dates as the exact
/// bits of their `timeIntervalSinceReferenceDate`, so a case round-trips unchanged.
enum CaseCodec {
    /// First byte of a binary document; JSON documents start with `{`.
    static let formatV2: UInt8 = 0x02
    /// Version 3: each event also carries its recording time.
    static let formatV3: UInt8 = 0x03
    /// Version 4: each event also carries the party it concerns (a restriction of one person's data).
    static let formatV4: UInt8 = 0x04

    static func encode(_ c: ASBCase) -> [UInt8] {
        var w = Writer()
        w.bytes.reserveCapacity(1024 + c.narrative.utf8.count)
        w.bytes.append(formatV4)
        w.uuid(c.id)
        w.string(c.reference)
        w.string(c.incidentType.rawValue)
        w.string(c.category.rawValue)
        w.optional(c.categoryReason) { $0.string($1) }
        w.string(c.channel.rawValue)
        w.date(c.receivedAt)
        w.optional(c.policeReference) { $0.string($1) }
        w.string(c.ward)
        w.string(c.location)
        w.string(c.narrative)
        w.bool(c.riskFlag)
        w.count(c.tags.count)
        for tag in c.tags { w.string(tag) }
        w.count(c.parties.count)
        for party in c.parties {
            w.uuid(party.id)
            w.string(party.role.rawValue)
            w.string(party.name)
            w.optional(party.dateOfBirth) { $0.count($1.daysSinceEpoch + (1 << 30)) }
            w.optional(party.address) { w, address in
                w.count(address.lines.count)
                for line in address.lines { w.string(line) }
                w.string(address.postcode.description)
            }
            w.optional(party.phone) { $0.string($1) }
            w.optional(party.email) { $0.string($1) }
            w.optional(party.gender) { $0.string($1) }
            w.optional(party.vulnerabilityNotes) { $0.string($1) }
        }
        w.count(c.events.count)
        for event in c.events {
            w.uuid(event.id)
            w.string(event.kind.rawValue)
            w.date(event.at)
            w.string(event.author)
            w.optional(event.note) { $0.string($1) }
            w.optional(event.interviewMode) { $0.string($1.rawValue) }
            w.optional(event.category) { $0.string($1.rawValue) }
            w.optional(event.recordedAt) { $0.date($1) }
            w.optional(event.party) { $0.uuid($1) }
        }
        w.string(c.status.rawValue)
        w.optional(c.closedAt) { $0.date($1) }
        w.date(c.updatedAt)
        return w.bytes
    }

    static func decode(_ bytes: some Collection<UInt8>) throws(CaseCodecError) -> ASBCase {
        guard let first = bytes.first else { throw .truncated }
        if first == UInt8(ascii: "{") {
            do { return try legacyDecoder.decode(ASBCase.self, from: Data(bytes)) } catch { throw .malformed("legacy JSON: \(error)") }
        }
        guard (formatV2...formatV4).contains(first) else { throw .unknownFormat(first) }
        return try Array(bytes).withUnsafeBufferPointer { buffer throws(CaseCodecError) in
            var r = Reader(buffer: buffer, offset: 1, format: first)
            return try r.readCase()
        }
    }

    private static let legacyDecoder = JSONDecoder()
}

/// Why a sealed document could not be read back.
enum CaseCodecError: Error, Equatable, CustomStringConvertible {
    case truncated
    case unknownFormat(UInt8)
    case malformed(String)

    var description: String {
        switch self {
        case .truncated: "the case document ends early"
        case .unknownFormat(let byte): "the case document has an unknown format (first byte \(byte))"
        case .malformed(let detail): "the case document is malformed: \(detail)"
        }
    }
}

private struct Writer {
    var bytes: [UInt8] = []

    /// Unsigned LEB128.
    mutating func count(_ value: Int) {
        var v = UInt64(value)
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            count(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func uuid(_ value: UUID) {
        withUnsafeBytes(of: value.uuid) { bytes.append(contentsOf: $0) }
    }

    mutating func date(_ value: Date) {
        withUnsafeBytes(of: value.timeIntervalSinceReferenceDate.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func optional<T>(_ value: T?, _ write: (inout Writer, T) -> Void) {
        guard let value else { return bytes.append(0) }
        bytes.append(1)
        write(&self, value)
    }
}

private struct Reader {
    let buffer: UnsafeBufferPointer<UInt8>
    var offset: Int
    let format: UInt8

    mutating func byte() throws(CaseCodecError) -> UInt8 {
        guard offset < buffer.count else { throw .truncated }
        defer { offset += 1 }
        return buffer[offset]
    }

    mutating func count() throws(CaseCodecError) -> Int {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { break }
            shift += 7
            guard shift < 63 else { throw .malformed("a length is too long") }
        }
        guard result <= UInt64(Int.max) else { throw .malformed("a length is too large") }
        return Int(result)
    }

    /// How many elements (or a string's bytes) follow. Each takes at least a byte, so a count beyond the
    /// bytes left is a damaged case, refused before anything is reserved or read for it.
    mutating func elementCount() throws(CaseCodecError) -> Int {
        let n = try count()
        guard n <= buffer.count - offset else { throw .truncated }
        return n
    }

    mutating func string() throws(CaseCodecError) -> String {
        let n = try elementCount()
        defer { offset += n }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[offset..<offset + n]), as: UTF8.self)
    }

    mutating func bool() throws(CaseCodecError) -> Bool {
        switch try byte() {
        case 0: false
        case 1: true
        case let b: throw .malformed("a flag is \(b)")
        }
    }

    mutating func uuid() throws(CaseCodecError) -> UUID {
        guard buffer.count - offset >= 16 else { throw .truncated }
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let source = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[offset..<offset + 16]))
        withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: source) }
        offset += 16
        return UUID(uuid: raw)
    }

    mutating func date() throws(CaseCodecError) -> Date {
        guard buffer.count - offset >= 8 else { throw .truncated }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(buffer[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return Date(timeIntervalSinceReferenceDate: Double(bitPattern: bits))
    }

    mutating func optional<T>(_ read: (inout Reader) throws(CaseCodecError) -> T) throws(CaseCodecError) -> T? {
        try bool() ? try read(&self) : nil
    }

    mutating func raw<T: RawRepresentable<String>>(_ type: T.Type) throws(CaseCodecError) -> T {
        let text = try string()
        guard let value = T(rawValue: text) else { throw .malformed("'\(text)' is not a \(T.self)") }
        return value
    }

    mutating func readCase() throws(CaseCodecError) -> ASBCase {
        let id = try uuid()
        let reference = try string()
        let incidentType = try raw(IncidentType.self)
        let category = try raw(Category.self)
        let categoryReason = try optional { r throws(CaseCodecError) in try r.string() }
        let channel = try raw(ReportChannel.self)
        let receivedAt = try date()
        let policeReference = try optional { r throws(CaseCodecError) in try r.string() }
        let ward = try string()
        let location = try string()
        let narrative = try string()
        let riskFlag = try bool()
        let tagCount = try elementCount()
        var tags: [String] = []
        tags.reserveCapacity(tagCount)
        for _ in 0..<tagCount { tags.append(try string()) }
        var c = ASBCase(
            id: id,
            reference: reference,
            incidentType: incidentType,
            channel: channel,
            receivedAt: receivedAt,
            policeReference: policeReference,
            ward: ward,
            location: location,
            narrative: narrative,
            riskFlag: riskFlag
        )
        c.tags = tags
        c.category = category
        c.categoryReason = categoryReason
        let parties = try elementCount()
        c.parties.reserveCapacity(parties)
        for _ in 0..<parties { c.parties.append(try party()) }
        let events = try elementCount()
        c.events.reserveCapacity(events)
        for _ in 0..<events { c.events.append(try event()) }
        c.status = try raw(CaseStatus.self)
        c.closedAt = try optional { r throws(CaseCodecError) in try r.date() }
        c.updatedAt = try date()
        guard offset == buffer.count else { throw .malformed("\(buffer.count - offset) bytes after the case") }
        return c
    }

    mutating func party() throws(CaseCodecError) -> Party {
        let id = try uuid()
        let role = try raw(PartyRole.self)
        let name = try string()
        let dateOfBirth = try optional { r throws(CaseCodecError) in CalendarDate(daysSinceEpoch: try r.count() - (1 << 30)) }
        let address = try optional { r throws(CaseCodecError) -> Address in
            let lineCount = try r.elementCount()
            var lines: [String] = []
            lines.reserveCapacity(lineCount)
            for _ in 0..<lineCount { lines.append(try r.string()) }
            let text = try r.string()
            guard let postcode = Postcode(text) else { throw .malformed("'\(text)' is not a postcode") }
            return Address(lines: lines, postcode: postcode)
        }
        return Party(
            id: id,
            role: role,
            name: name,
            dateOfBirth: dateOfBirth,
            address: address,
            phone: try optional { r throws(CaseCodecError) in try r.string() },
            email: try optional { r throws(CaseCodecError) in try r.string() },
            gender: try optional { r throws(CaseCodecError) in try r.string() },
            vulnerabilityNotes: try optional { r throws(CaseCodecError) in try r.string() }
        )
    }

    mutating func event() throws(CaseCodecError) -> CaseEvent {
        var event = CaseEvent(
            id: try uuid(),
            kind: try raw(CaseEventKind.self),
            at: try date(),
            author: try string(),
            note: try optional { r throws(CaseCodecError) in try r.string() },
            interviewMode: try optional { r throws(CaseCodecError) in try r.raw(InterviewMode.self) },
            category: try optional { r throws(CaseCodecError) in try r.raw(Category.self) }
        )
        if format >= CaseCodec.formatV3 { event.recordedAt = try optional { r throws(CaseCodecError) in try r.date() } }
        if format >= CaseCodec.formatV4 { event.party = try optional { r throws(CaseCodecError) in try r.uuid() } }
        return event
    }
}
