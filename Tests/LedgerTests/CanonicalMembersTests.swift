import Foundation
import Testing

@testable import Ledger

@Suite("Finding an entry's members in its canonical bytes")
struct CanonicalFieldsTests {
    func draft(fields: DisclosedFields?, details: [String: String]? = nil, purpose: String? = "p") -> LedgerDraft {
        LedgerDraft(
            actor: LedgerActor(kind: .partner, id: "met-police", certificateFingerprint: "ab"),
            recipient: "met-police",
            action: .disclosure,
            caseIDs: ["C1", "C2"],
            purpose: purpose,
            fields: fields,
            requestID: "r",
            details: details
        )
    }

    func entry(fields: DisclosedFields?, details: [String: String]? = nil, purpose: String? = "p") -> LedgerEntry {
        draft(fields: fields, details: details, purpose: purpose).entry(index: 7, time: Date(timeIntervalSince1970: 0))
    }

    @Test("A draft's row is its entry's canonical bytes, with the fields array's exact place, whatever strings come before it")
    func rowsFromDrafts() throws {
        let fields: DisclosedFields = [
            DisclosedField(path: "parties[].name", rule: "share"), DisclosedField(path: "narrative \"quoted\"", rule: "scrub"),
        ]
        let tricky = ["a": "\"fields\":[\"x\"]", "b\\": "}],{", "fields": "[not this]"]
        for d in [draft(fields: fields), draft(fields: fields, details: tricky), draft(fields: [], details: tricky)] {
            let row = d.row(index: 7, time: Date(timeIntervalSince1970: 0))
            #expect(row.stored.bytes == (try row.entry.canonicalBytes()), "the list's bytes, copied, are the ones the entry writes")
            #expect(row.stored.leafHash == MerkleHash.leaf(row.stored.bytes) && row.stored.index == 7)
            let (list, range) = try #require(row.fields)
            #expect(Array(row.stored.bytes[range]) == list.bytes)
            #expect(try JSONDecoder().decode([DisclosedField].self, from: Data(list.bytes)) == d.fields?.fields)
            #expect(String(decoding: row.stored.bytes[..<range.lowerBound].suffix(9), as: UTF8.self) == "\"fields\":")
        }
        let none = draft(fields: nil, details: ["fields": "[1]"]).row(index: 7, time: Date(timeIntervalSince1970: 0))
        #expect(none.fields == nil)
        #expect(none.stored.bytes == (try none.entry.canonicalBytes()))
    }

    @Test("Field lists are equal when their encodings are")
    func fieldListsCompareByBytes() {
        let a: DisclosedFields = [DisclosedField(path: "reference", rule: "share")]
        #expect(a == DisclosedFields([DisclosedField(path: "reference", rule: "share")]))
        #expect(a != [DisclosedField(path: "reference", rule: "omit")])
        #expect(a != [DisclosedField(path: "reference", rule: "share"), DisclosedField(path: "reference", rule: "share")])
    }

    @Test("The index is read from its member, not from text inside a string around it")
    func readsTheIndex() throws {
        let tricky = ["a": ",\"index\":99", "index": "98"]
        #expect(LedgerEntry.index(inCanonical: try entry(fields: [], details: tricky).canonicalBytes()) == 7)
        // Escaped backslashes before a quote: an even run ends the string, an odd one escapes the quote.
        let backslashes = ["a": "ends in a backslash \\", "b": "\\\",\"index\":99,\"", "c": "\\\\\",\"index\":98"]
        #expect(LedgerEntry.index(inCanonical: try entry(fields: [], details: backslashes).canonicalBytes()) == 7)
        #expect(LedgerEntry.index(inCanonical: Array(#"{"a":"\\","index":5}"#.utf8)) == 5)
        // Read from the end, the members before `index` are not walked: the leaf hash covers them.
        #expect(LedgerEntry.index(inCanonical: Array(#"{"a":"\","index":5}"#.utf8)) == 5)
        #expect(LedgerEntry.index(inCanonical: try entry(fields: nil).canonicalBytes()) == 7)
        // Members after `index` (it is found from the end) with the same tricks.
        #expect(LedgerEntry.index(inCanonical: try entry(fields: [], details: tricky, purpose: "\\\",\"index\":99,\"").canonicalBytes()) == 7)
        #expect(LedgerEntry.index(inCanonical: Array(#"{"index":5,"z":"\\"}"#.utf8)) == 5)
        #expect(LedgerEntry.index(inCanonical: Array(#"{"index":5,"z":["]",{"a":"}"}]}"#.utf8)) == 5)
        #expect(LedgerEntry.index(inCanonical: Array(#"{"index":5,"z":"\"}"#.utf8)) == nil)
        for text in ["", "{\"index\":}", "{\"index\":-1}", "{\"index\":\"7\"}", "{\"v\":1}"] {
            #expect(LedgerEntry.index(inCanonical: Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test("The index is read from an entry's end alone, after its field list, and only from a whole member there")
    func readsTheIndexFromTheEnd() throws {
        let row = draft(fields: [DisclosedField(path: "reference", rule: "share")], details: ["z": ",\"index\":99"])
            .row(index: 7, time: Date(timeIntervalSince1970: 0))
        let (_, range) = try #require(row.fields)
        let end = Array(row.stored.bytes[range.upperBound...])
        func index(_ bytes: [UInt8], _ part: LedgerEntry.CanonicalPart) -> Int? {
            bytes.withUnsafeBufferPointer { LedgerEntry.index(inCanonical: $0, from: part) }
        }
        #expect(index(end, .lastMembers) == 7)
        #expect(index(end, .whole) == nil, "an entry's end is not a whole entry")
        #expect(index(Array(#","z":1}"#.utf8), .lastMembers) == nil)
        #expect(index(Array(#","index":5}"#.utf8), .lastMembers) == 5)
        // Read forwards when the end begins with the member, as it does after a list kept apart.
        func leading(_ text: String) -> Int? { Array(text.utf8).withUnsafeBufferPointer { LedgerEntry.index(leading: $0) } }
        #expect(end.withUnsafeBufferPointer { LedgerEntry.index(leading: $0) } == 7)
        #expect(leading(#","index":12}"#) == 12 && leading(#","index":0,"v":1}"#) == 0)
        for text in [#","index":}"#, #","index":12"#, #","index":1x}"#, #","index":"7"}"#, #","indexes":1}"#, #","index":1234567890123456789}"#] {
            #expect(leading(text) == nil, "\(text)")
        }
    }
}
