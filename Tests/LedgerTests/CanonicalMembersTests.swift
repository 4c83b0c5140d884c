import Foundation
@testable import Ledger
import Testing

@Suite("Finding an entry's members in its canonical bytes")
struct CanonicalFieldsTests {
    func entry(fields: [DisclosedField]?, details: [String: String]? = nil, purpose: String? = "p") -> LedgerEntry {
        LedgerDraft(actor: LedgerActor(kind: .partner, id: "met-police", certificateFingerprint: "ab"), recipient: "met-police",
                    action: .disclosure, caseIDs: ["C1", "C2"], purpose: purpose, fields: fields, requestID: "r", details: details)
            .entry(index: 7, time: Date(timeIntervalSince1970: 0))
    }

    @Test("The range is exactly the fields array, whatever strings come before it")
    func findsTheArray() throws {
        let fields = [DisclosedField(path: "parties[].name", rule: "share"), DisclosedField(path: "narrative", rule: "scrub")]
        let tricky = ["a": "\"fields\":[\"x\"]", "b\\": "}],{", "fields": "[not this]"]
        for e in [entry(fields: fields), entry(fields: fields, details: tricky), entry(fields: [], details: tricky)] {
            let bytes = try e.canonicalBytes()
            let range = try #require(LedgerEntry.fieldsRange(inCanonical: bytes))
            let decoded = try JSONDecoder().decode([DisclosedField].self, from: Data(bytes[range]))
            #expect(decoded == e.fields)
            // What is left around it still names the member.
            #expect(String(decoding: bytes[..<range.lowerBound].suffix(9), as: UTF8.self) == "\"fields\":")
        }
    }

    @Test("No range without a fields member, or for bytes that are not an entry")
    func noneWithout() throws {
        #expect(LedgerEntry.fieldsRange(inCanonical: try entry(fields: nil, details: ["fields": "[1]"]).canonicalBytes()) == nil)
        for text in ["", "[]", "{", "{\"fields\"", "{\"fields\":", "{\"a\":\"unterminated", "{\"fields\":[1,2", "{\"fields\":\"x\"}"] {
            #expect(LedgerEntry.fieldsRange(inCanonical: Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test("The index is read from its member, not from text inside a string before it")
    func readsTheIndex() throws {
        let tricky = ["a": ",\"index\":99", "index": "98"]
        #expect(LedgerEntry.index(inCanonical: try entry(fields: [], details: tricky).canonicalBytes()) == 7)
        #expect(LedgerEntry.index(inCanonical: try entry(fields: nil).canonicalBytes()) == 7)
        for text in ["", "{\"index\":}", "{\"index\":-1}", "{\"index\":\"7\"}", "{\"v\":1}"] {
            #expect(LedgerEntry.index(inCanonical: Array(text.utf8)) == nil, "\(text)")
        }
    }
}
