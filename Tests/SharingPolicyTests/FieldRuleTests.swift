import CaseModel
import Foundation
import SharingPolicy
import Testing

@Suite("Rules and record filters")
struct FieldRuleTests {
    @Test(
        "rule syntax",
        arguments: [
            ("share", FieldRule.share), ("omit", .omit), ("scrub", .scrub), ("pseudonymise", .pseudonymise),
            ("mask(last=4)", .mask(first: 0, last: 4)), ("mask(first=1, last=2)", .mask(first: 1, last: 2)),
            ("mask(first: 2)", .mask(first: 2, last: 0)), ("generalise(postcode_sector)", .generalise(.postcodeSector)),
        ]
    )
    func parses(text: String, rule: FieldRule) throws {
        #expect(try FieldRule.parse(text).get() == rule)
    }

    @Test("bad rules", arguments: ["", "shared", "mask()", "mask(last=99)", "generalise", "share(1)", "mask(last=4"])
    func rejects(text: String) {
        #expect(throws: RuleSyntaxError.self) { try FieldRule.parse(text).get() }
    }

    @Test func catalogueCoversTheCaseModel() {
        #expect(CaseFieldCatalogue.all.count == 18 + 8 * PartyRole.allCases.count)
        #expect(CaseFieldCatalogue.byPath["alleged_perpetrator.date_of_birth"]?.kind == .dateOfBirth)
        #expect(Set(CaseFieldCatalogue.all.map(\.path)).count == CaseFieldCatalogue.all.count)
    }

    func makeCase(_ type: IncidentType = .harassment, status: CaseStatus = .open, tags: [String] = [], roles: [PartyRole] = [.complainant]) -> ASBCase
    {
        var c = ASBCase(
            incidentType: type,
            channel: .phone,
            receivedAt: Date(),
            ward: "Perivale",
            location: "x",
            narrative: "y",
            tags: tags,
            parties: roles.map { Party(role: $0, name: "P") }
        )
        if status == .closed { try? c.record(CaseEvent(kind: .caseClosed, at: Date(), author: "u")) }
        return c
    }

    @Test func recordFilters() {
        let filter = RecordFilter(
            categories: [.a, .b],
            statuses: [.open],
            flags: ["safeguarding", "tenant:ealing-homes"],
            parties: [.allegedPerpetrator]
        )
        #expect(filter.admits(makeCase(tags: ["safeguarding"], roles: [.complainant, .allegedPerpetrator])))
        #expect(!filter.admits(makeCase(.animalNuisance, tags: ["safeguarding"], roles: [.allegedPerpetrator])))
        #expect(!filter.admits(makeCase(status: .closed, tags: ["safeguarding"], roles: [.allegedPerpetrator])))
        #expect(!filter.admits(makeCase(tags: ["fire-risk"], roles: [.allegedPerpetrator])))
        #expect(!filter.admits(makeCase(tags: ["safeguarding"], roles: [.complainant])))
        #expect(filter.rejection(of: makeCase(tags: [], roles: [.allegedPerpetrator]))?.contains("none of the flags") == true)
        #expect(RecordFilter().admits(makeCase()))
        #expect(RecordFilter(wards: ["Acton Central"]).rejection(of: makeCase())?.contains("ward 'Perivale'") == true)
    }
}
