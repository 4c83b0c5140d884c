import CaseModel
import Crypto
import DemoData
import Foundation
import Redaction
import SharingPolicy
import Testing

@Suite("Rules applied to a case")
struct TransformTests {
    @Test("deny by default: only the fields a rule produces appear")
    func denyByDefault() throws {
        let v = try #require(view(sampleCase(), try policy(["reference": "share"])))
        guard case .object(let fields)? = v.caseFields else {
            Issue.record("no case object")
            return
        }
        #expect(fields.map(\.0) == ["reference"])
        #expect(v["purpose"]?.string == "test")
        #expect(v["policy_version"]?.string?.hasPrefix("sha256:") == true)
        #expect(!v.json.contains("Grace") && !v.json.contains("07700"))
    }

    @Test func shareAndOmit() throws {
        let v = try #require(
            view(
                sampleCase(),
                try policy([
                    "complainant.name": "share", "complainant.phone": "omit", "risk_flag": "share",
                    "tags": "share", "received_at": "share", "complainant.address": "share",
                ])
            )
        )
        let complainant = try #require(v.party("complainant"))
        #expect(complainant["name"]?.string == "Grace Okafor")
        #expect(complainant["phone"] == nil)
        #expect(complainant["address"]?["postcode"]?.string == "UB2 4NZ")
        #expect(v.caseFields?["risk_flag"] == .bool(true))
        #expect(v.caseFields?["tags"] == .array([.string("safeguarding")]))
        #expect(v.caseFields?["received_at"]?.string == "2026-10-05T09:14:00Z")
        #expect(v.party("witness") == nil, "a party with nothing disclosed is left out entirely")
    }

    @Test func mask() throws {
        let v = try #require(
            view(
                sampleCase(),
                try policy([
                    "complainant.phone": "mask(last=3)", "complainant.email": "mask(first=2, last=4)",
                    "police_reference": "mask(first=3)",
                ])
            )
        )
        #expect(v.party("complainant")?["phone"]?.string == "*********461")
        #expect(v.party("complainant")?["email"]?.string == "gr******************.org")
        #expect(v.caseFields?["police_reference"]?.string == "CAD***********")
        let short = try #require(view(sampleCase(), try policy(["complainant.gender": "share", "complainant.name": "mask(first=10, last=10)"])))
        #expect(short.party("complainant")?["name"]?.string == "************", "too short to keep anything: all masked")
    }

    @Test("pseudonyms are stable for one partner and unlinkable across partners")
    func pseudonymise() throws {
        let a = try policy(["complainant.person_id": "pseudonymise", "complainant.name": "pseudonymise"], partner: "partner-a")
        let b = try policy(["complainant.person_id": "pseudonymise", "complainant.name": "pseudonymise"], partner: "partner-b")
        let first = try #require(view(sampleCase(), a)?.party("complainant"))
        var renamed = sampleCase()
        renamed.parties[0].name = "  grace   OKAFOR "
        let again = try #require(view(renamed, a)?.party("complainant"))
        let other = try #require(view(sampleCase(), b)?.party("complainant"))
        let token = try #require(first["person_id"]?.string)
        #expect(token.hasPrefix("pn_") && token.count == 35)
        #expect(first["person_id"] == again["person_id"])
        #expect(first["name"] == again["name"], "names compare ignoring case and spacing")
        #expect(first["person_id"] != other["person_id"])
        #expect(first["name"] != other["name"])
        #expect(first["name"] != first["person_id"], "different kinds of value never share a token")
        let pseudonym = first["name"]?.string ?? ""
        #expect(!pseudonym.contains("Grace"))
    }

    @Test("a remembered token is the token made afresh, per partner and namespace")
    func pseudonymCache() throws {
        let key = SymmetricKey(size: .bits256)
        let a = Pseudonymiser(root: key, partnerID: "partner-a")
        let b = Pseudonymiser(root: key, partnerID: "partner-b")
        for i in 0..<200 {
            let id = UUID()
            let fresh = a.token(id.uuidString, namespace: "person_id")
            #expect(a.token(person: id, namespace: "person_id") == fresh)
            #expect(a.token(person: id, namespace: "person_id") == fresh, "second call, from the cache (\(i))")
            #expect(b.token(person: id, namespace: "person_id") != fresh)
            #expect(a.token(person: id, namespace: "reference") != fresh)
        }
    }

    @Test("generalise: age bands, months, years, postcode districts and sectors")
    func generalise() throws {
        let v = try #require(
            view(
                sampleCase(),
                try policy([
                    "complainant.date_of_birth": "generalise(age_band)", "alleged_perpetrator.date_of_birth": "generalise(year)",
                    "received_at": "generalise(month)", "complainant.address": "generalise(postcode_sector)",
                    "location": "generalise(postcode_district)", "events.at": "generalise(year)",
                ])
            )
        )
        // Born 26 Nov 1958: 67 on 25 Nov 2026 (the day before the birthday).
        #expect(v.party("complainant")?["date_of_birth"]?.string == "65+")
        #expect(v.party("alleged-perpetrator")?["date_of_birth"]?.string == "1986")
        #expect(v.caseFields?["received_at"]?.string == "2026-10")
        #expect(v.party("complainant")?["address"]?.string == "UB2 4")
        #expect(v.caseFields?["location"]?.string == "UB2")
        #expect(v.caseFields?["events"] == .array([.object([("at", .string("2026"))])]))
    }

    @Test(
        "age bands at their edges",
        arguments: [
            ("2008-11-25", "18-24"), ("2008-11-26", "0-17"), ("2001-11-25", "25-34"), ("1961-11-25", "65+"), ("1961-11-26", "55-64"),
        ]
    )
    func ageBands(dob: String, band: String) throws {
        var c = sampleCase()
        c.parties[0].dateOfBirth = CalendarDate(dob)
        #expect(view(c, try policy(["complainant.date_of_birth": "generalise(age_band)"]))?.party("complainant")?["date_of_birth"]?.string == band)
    }

    @Test("a record outside the filter produces no view at all")
    func filter() throws {
        let p = try policy(["reference": "share"], filter: "{ category: [C] }")
        #expect(view(sampleCase(), p) == nil)
        let q = try policy(["reference": "share"], filter: "{ flags: [safeguarding], parties: [alleged-perpetrator] }")
        #expect(view(sampleCase(), q) != nil)
    }

    @Test("views serialise to the same bytes every time")
    func deterministic() throws {
        let p = try policy(["narrative": "scrub", "complainant.name": "share", "events.note": "scrub"])
        let c = sampleCase(narrative: "Grace Okafor called about Darren Pike on 3 October.")
        #expect(view(c, p)?.json == view(c, p)?.json)
    }

    @Test("record filters: the fast test agrees with the explained one, and flags with the flag set")
    func filtersAgree() throws {
        let policies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies")
        let set = try PolicySet.load(directory: policies)
        var generator = DemoCaseGenerator(seed: 5, clock: ServiceClock(calendar: WorkingDayCalendar()))
        let filters = set.policies.flatMap { $0.purposes.map(\.records) }
        var admittedSome = false
        for c in generator.makeCases(400) {
            for flag in ["risk", "vulnerable", "police-reference", "safeguarding", "tenant:ealing-homes", "nothing"] {
                #expect(c.hasFlag(flag) == c.flags.contains(flag), "\(flag)")
            }
            for filter in filters {
                #expect(filter.admits(c) == (filter.rejection(of: c) == nil))
                admittedSome = admittedSome || filter.admits(c)
            }
        }
        #expect(admittedSome)
    }

    @Test("the demo data never shows a value a rule keeps back", arguments: ["met-police", "ealing-homes", "wlmht", "lfb", "probation"])
    func shippedPoliciesHoldBackContactDetails(partner: String) throws {
        let policies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies")
        let compiled = CompiledPolicySet(try PolicySet.load(directory: policies), pseudonymRoot: testKey)
        let p = try #require(compiled.policy(partner: partner, purpose: nil))
        var generator = DemoCaseGenerator(seed: 11, clock: ServiceClock(calendar: WorkingDayCalendar()))
        var admitted = 0
        for c in generator.makeCases(300) {
            guard let json = ViewBuilder.view(of: c, under: p, today: today)?.json else { continue }
            admitted += 1
            for party in c.parties {
                let rules = p.disclosedFields.filter { $0.path.hasPrefix(CaseField.pathPrefix(party.role) + ".") }
                let phoneRule = rules.first { $0.path.hasSuffix(".phone") }?.rule
                let emailRule = rules.first { $0.path.hasSuffix(".email") }?.rule
                if let phone = party.phone, phoneRule != .share { #expect(!json.contains(phone), "\(partner) leaked a phone") }
                if let email = party.email, emailRule != .share { #expect(!json.contains(email), "\(partner) leaked an email") }
                if let dob = party.dateOfBirth, !rules.contains(where: { $0.path.hasSuffix(".date_of_birth") && $0.rule == .share }) {
                    #expect(!json.contains(dob.description), "\(partner) leaked a date of birth")
                }
            }
        }
        #expect(admitted > 0, "the demo data should exercise \(partner)'s policy")
    }
}
