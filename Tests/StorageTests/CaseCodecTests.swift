import CaseModel
import DemoData
import Foundation
import Testing

@testable import SQLiteStorage
@testable import Storage

@Suite("Sealed case document")
struct CaseCodecTests {
    @Test("every demo case round-trips exactly: parties, events, optionals, dates to the bit")
    func roundTrip() throws {
        var generator = DemoCaseGenerator(seed: 7, clock: testClock)
        var cases = generator.makeCases(300)
        var odd = sampleCase()
        odd.narrative = "Ünïcödé ✓ — \u{0}nul and\nnewlines"
        odd.receivedAt = Date(timeIntervalSinceReferenceDate: 0.1 + 1e-9)
        odd.parties[0].dateOfBirth = CalendarDate(year: 1899, month: 12, day: 31)
        cases.append(odd)
        var recorded = sampleCase()
        try recorded.record(CaseEvent(kind: .interviewHeld, at: recorded.receivedAt, recordedAt: Date(), author: "u1", interviewMode: .phone))
        cases.append(recorded)
        var restricted = sampleCase()
        try restricted.record(
            CaseEvent(kind: .processingRestricted, at: restricted.receivedAt, author: "u1", note: "Art 18", party: restricted.parties[0].id)
        )
        cases.append(restricted)
        for c in cases {
            let bytes = CaseCodec.encode(c)
            #expect(bytes.first == CaseCodec.formatV4)
            #expect(try CaseCodec.decode(bytes) == c)
        }
        #expect(cases.contains { !$0.events.isEmpty && $0.closedAt != nil && $0.parties.contains { $0.address != nil } })
    }

    @Test("cases sealed in versions 2 and 3 (events without their recording time, or the party they concern) still read")
    func earlierVersions() throws {
        // Without events the versions differ only in the first byte.
        let c = sampleCase()
        #expect(c.events.isEmpty)
        #expect(try CaseCodec.decode([CaseCodec.formatV2] + CaseCodec.encode(c).dropFirst()) == c)
        #expect(try CaseCodec.decode([CaseCodec.formatV3] + CaseCodec.encode(c).dropFirst()) == c)
    }

    @Test("a case sealed as JSON before the binary format still reads")
    func legacyJSON() throws {
        let c = sampleCase()
        let json = try JSONEncoder().encode(c)
        #expect(try CaseCodec.decode(json) == c)
    }

    @Test("a damaged document is an error, never a different case")
    func damaged() throws {
        let bytes = CaseCodec.encode(sampleCase())
        for cut in [1, 17, bytes.count / 2, bytes.count - 1] {
            #expect(throws: CaseCodecError.self) { try CaseCodec.decode(bytes.prefix(cut)) }
        }
        #expect(throws: CaseCodecError.self) { try CaseCodec.decode(bytes + [0]) }
        #expect(throws: CaseCodecError.unknownFormat(9)) { try CaseCodec.decode([9] + bytes.dropFirst()) }
        #expect(throws: CaseCodecError.truncated) { try CaseCodec.decode([UInt8]()) }
    }

    @Test("a count of elements beyond the document's bytes is refused before anything is reserved for it")
    func countBeyondTheDocument() throws {
        var c = sampleCase()
        c.tags = ["marker-tag"]
        let bytes = CaseCodec.encode(c)
        // The tag list: its count (1), the tag's length (10), the tag.
        let tag = Array("marker-tag".utf8)
        let at = try #require((0...(bytes.count - tag.count)).first { Array(bytes[$0..<$0 + tag.count]) == tag }) - 2
        #expect(bytes[at] == 1 && bytes[at + 1] == 10)
        let huge: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F]  // 2^62 - 1 in LEB128
        #expect(throws: CaseCodecError.truncated) { try CaseCodec.decode(Array(bytes[..<at]) + huge + Array(bytes[(at + 1)...])) }
    }
}
