import CaseModel
import Foundation
import Redaction
import Testing

@Suite("Scrubbing free text")
struct ScrubberTests {
    let parties = [
        Party(role: .complainant, name: "Grace Okafor"),
        Party(role: .witness, name: "Kwame Okafor"),
        Party(role: .allegedPerpetrator, name: "Darren Pike"),
    ]

    func scrub(_ text: String) -> String {
        var scrubber = Scrubber(parties: parties)
        return scrubber.scrub(text)
    }

    @Test(
        "each kind of identifier",
        arguments: [
            ("Darren Pike shouted", "[PERSON 1] shouted"),
            ("darren pike shouted", "[PERSON 1] shouted"),
            ("Pike's dog", "[PERSON 1]'s dog"),
            ("call 07700 900461 now", "call [PHONE 1] now"),
            ("call 020 8123 4567.", "call [PHONE 1]."),
            ("call +44 7700 900461", "call [PHONE 1]"),
            ("call (020) 8123-4567", "call [PHONE 1]"),
            ("mail grace.o+asb@example.org.", "mail [EMAIL 1]."),
            ("a@b.co and c.d@e.org", "[EMAIL 1] and [EMAIL 2]"),
            ("Grace@example.org", "[EMAIL 1]"),
            ("(kwame_1@mail.example.co.uk)", "([EMAIL 1])"),
            ("not@an-address and x@y", "not@an-address and x@y"),
            ("lives at UB2 4NZ.", "lives at [POSTCODE 1]."),
            ("lives at w5 2hl", "lives at [POSTCODE 1]"),
            ("lives at SW1A2AA", "lives at [POSTCODE 1]"),
            ("NI QQ123456C here", "NI [NI NUMBER 1] here"),
            ("NI QQ 12 34 56 C here", "NI [NI NUMBER 1] here"),
            ("on 04/10/2026 and", "on [DATE 1] and"),
            ("on 4-10-26 and", "on [DATE 1] and"),
            ("on 2026-10-04 and", "on [DATE 1] and"),
            ("on 3 October 2026 and", "on [DATE 1] and"),
            ("on 3rd Oct and", "on [DATE 1] and"),
            ("on October 3, 2026 and", "on [DATE 1] and"),
        ]
    )
    func identifiers(input: String, output: String) {
        #expect(scrub(input) == output)
    }

    @Test(
        "ordinary words and numbers are left alone",
        arguments: [
            "There were 12 people and 3 cars at 10 o'clock.",
            "Flat 22, third floor; may 2 of them come back?",
            "The bus number 207 runs every 8 minutes.",
            "Ratio 3/4 of the residents signed.",
            "We met at the Kwame Nkrumah centre.",
            "Email was not given; see @housing on the board.",
        ]
    )
    func ordinaryText(text: String) {
        let scrubbed = scrub(text)
        if text.contains("Kwame Nkrumah") {
            // A party's first name in another person's name is still that name; better over-scrub than leak.
            #expect(scrubbed == "We met at the [PERSON 1] Nkrumah centre.")
        } else {
            #expect(scrubbed == text)
        }
    }

    @Test("a party's name goes in any capitalisation, even where it is also an ordinary word: a name left in is worse")
    func namesInAnyCase() {
        #expect(scrub("By the grace of God the pike in the pond survived.") == "By the [PERSON 1] of God the [PERSON 2] in the pond survived.")
        #expect(scrub("Spoke to PIKE and then to o'grace's son.") == "Spoke to [PERSON 1] and then to o'[PERSON 2]'s son.")
    }

    @Test("street addresses and vehicle registrations go, however written")
    func addressesAndVehicles() {
        #expect(
            scrub("Van outside 12a Boston Road and 7 larkspur close, reg AB12 CDE.") == "Van outside [ADDRESS 1] and [ADDRESS 2], reg [VEHICLE 1]."
        )
        #expect(scrub("Plates ab12cde, A123 BCD and ABC 123D.") == "Plates [VEHICLE 1], [VEHICLE 2] and [VEHICLE 3].")
        #expect(scrub("Call +44 (0)20 8825 5000 or 020.8825.5000.") == "Call [PHONE 1] or [PHONE 1].")
        #expect(scrub("About 20 youths on the 207 bus; 3 or 4 cars.") == "About 20 youths on the 207 bus; 3 or 4 cars.")
    }

    @Test("placeholders are consistent within one view and numbered by first appearance")
    func consistent() {
        var scrubber = Scrubber(parties: parties)
        let first = scrubber.scrub("Kwame Okafor saw Darren Pike. Call 07700 900461 or 07700 900462.")
        let second = scrubber.scrub("Pike called 07700900462; Mrs Okafor and Kwame were out. Grace Okafor rang on 07700 900461.")
        #expect(first == "[PERSON 1] saw [PERSON 2]. Call [PHONE 1] or [PHONE 2].")
        // A bare shared surname matches the first party with it (Grace).
        #expect(second == "[PERSON 2] called [PHONE 2]; Mrs [PERSON 3] and [PERSON 1] were out. [PERSON 3] rang on [PHONE 1].")
    }

    @Test func nonASCIIText() {
        let text = "Zoë saw Darren Pike near the café — 07700 900461!"
        #expect(scrub(text) == "Zoë saw [PERSON 1] near the café — [PHONE 1]!")
    }
}

@Suite("Scrubbed text in views")
struct ScrubbedViewTests {
    @Test("a narrative with quotes, backslashes, tabs and newlines is valid JSON in the view, and scrubbed")
    func escapedNarrative() throws {
        let narrative = "He said \"Grace Okafor\" owes him\\n money.\tCall 07700 900461\nor email dp@example.net\u{1}."
        let p = try policy(["narrative": "scrub"])
        let bytes = try #require(ViewBuilder.view(of: sampleCase(narrative: narrative), under: p, today: today)).bytes
        let decoded = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        let text = try #require((decoded?["case"] as? [String: Any])?["narrative"] as? String)
        #expect(text == "He said \"[PERSON 1]\" owes him\\n money.\tCall [PHONE 1]\nor email [EMAIL 1]\u{1}.")
    }

    @Test("the view's bytes read back as the same value, key order kept")
    func readBack() throws {
        let p = try policy(["reference": "share", "narrative": "scrub", "tags": "share", "risk_flag": "share", "complainant.name": "share"])
        let view = try #require(ViewBuilder.view(of: sampleCase(narrative: "Tab\there, \u{1F600} and \"quotes\""), under: p, today: today))
        var again: [UInt8] = []
        view.value.write(to: &again)
        #expect(again == view.bytes)
        #expect(view.value["case"]?["reference"] == .string("ASB-2026-000042"))
        #expect(throws: ViewValue.ParseError.self) { try ViewValue(json: Array("{\"a\":1}".utf8)) }
        #expect(throws: ViewValue.ParseError.self) { try ViewValue(json: Array("{\"a\":\"x\"".utf8)) }
    }
}

extension ScrubberTests {
    @Test("an address's local part longer than 64 bytes is still removed from its last 64 bytes")
    func longLocalPart() {
        let local = String(repeating: "a", count: 70) + ".grace"
        let scrubbed = scrub("write to \(local)@example.org today")
        #expect(!scrubbed.contains("grace") && !scrubbed.contains("example.org"))
        #expect(scrubbed.hasSuffix("[EMAIL 1] today"))
    }
}
