import CaseModel
import Crypto
import Foundation
import Redaction
import SharingPolicy

let testKey = SymmetricKey(data: Data(repeating: 7, count: 32))
let today = CalendarDate("2026-11-25")!

/// A one-purpose policy with the given field rules (everything else omitted).
func policy(_ fields: [String: String], partner: String = "p1", filter: String = "{}") throws -> CompiledPolicy {
    let text = """
        partner: \(partner)
        name: Partner \(partner)
        certificate: { organisation: "Org \(partner)" }
        agreement:
          reference: ISA-1
          purpose: testing
          organisations: [a, b]
          data_items: [x]
          lawful_basis: UK GDPR Art 6(1)(e)
          special_category_data: false
          criminal_offence_data: false
          recipient_retention: none
          review_date: 2030-01-01
        purposes:
          - id: test
            lawful_basis: UK GDPR Art 6(1)(e)
            records: \(filter)
            fields:
        \(fields.map { "      \($0.key): \($0.value)" }.sorted().joined(separator: "\n"))
            default: omit
        """
    let parsed = try PolicySet.parse(text: text, file: "\(partner).yaml")
    let set = try PolicySet(policies: [parsed])
    return CompiledPolicySet(set, pseudonymRoot: testKey).policy(partner: partner, purpose: "test")!
}

let complainantID = UUID(uuidString: "00000000-0000-4000-8000-00000000000A")!

func sampleCase(narrative: String = "Quiet street.") -> ASBCase {
    var c = ASBCase(
        id: UUID(uuidString: "11111111-2222-4333-8444-555555555555")!,
        reference: "ASB-2026-000042",
        incidentType: .hateCrime,
        channel: .phone,
        receivedAt: ISO8601DateFormatter().date(from: "2026-10-05T09:14:00Z")!,
        policeReference: "CAD 4471/05OCT",
        ward: "Southall Green",
        location: "Outside 7 Havelock Road, UB2 4NZ",
        narrative: narrative,
        riskFlag: true,
        tags: ["safeguarding"],
        parties: [
            Party(
                id: complainantID,
                role: .complainant,
                name: "Grace Okafor",
                dateOfBirth: CalendarDate("1958-11-26"),
                address: Address(lines: ["7 Havelock Road"], postcode: Postcode("UB2 4NZ")!),
                phone: "07700 900461",
                email: "grace.okafor@example.org",
                gender: "female",
                vulnerabilityNotes: "Lives alone"
            ),
            Party(role: .witness, name: "Kwame Okafor"),
            Party(role: .allegedPerpetrator, name: "Darren Pike", dateOfBirth: CalendarDate("1986-12-01")),
        ]
    )
    try? c.record(
        CaseEvent(
            kind: .interviewHeld,
            at: c.receivedAt.addingTimeInterval(3600),
            author: "u1",
            note: "Spoke to Grace on 07700 900461",
            interviewMode: .phone
        )
    )
    return c
}

func view(_ c: ASBCase, _ p: CompiledPolicy) -> ViewValue? {
    ViewBuilder.view(of: c, under: p, today: today)?.value
}

extension ViewValue {
    var caseFields: ViewValue? { self["case"] }
    var string: String? { if case .string(let s) = self { s } else { nil } }
    func party(_ role: String) -> ViewValue? {
        guard case .array(let parties)? = self["case"]?["parties"] else { return nil }
        return parties.first { $0["role"]?.string == role }
    }
}
