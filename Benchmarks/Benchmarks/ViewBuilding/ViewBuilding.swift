import Benchmark
import ByteEncoding
import CaseModel
import Crypto
import Foundation
import Redaction
import SharingPolicy

/// Building partner views: the redaction step of every disclosure.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .microseconds,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )
    let policies = PolicySet.loadShipped()
    let compiled = CompiledPolicySet(policies, pseudonymRoot: SymmetricKey(data: Data(repeating: 9, count: 32)))
    let c = TypicalCase.make()
    let today = CalendarDate("2026-11-25")!

    // Baseline: JSONEncoder writing the whole case (what sharing everything, unredacted, would cost).
    Benchmark("baseline: JSONEncoder, whole case") { benchmark in
        let encoder = JSONEncoder()
        for _ in benchmark.scaledIterations { blackHole(try encoder.encode(c)) }
    }

    for partner in ["met-police", "ealing-homes", "wlmht", "lfb", "probation"] {
        let policy = compiled.policy(partner: partner, purpose: nil)!
        Benchmark("view \(partner)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(ViewBuilder.view(of: c, under: policy, today: today))
            }
        }
    }

    // A page of the list endpoint: 100 views written one after another into one body.
    Benchmark("page of 100 met-police views", configuration: .init(maxIterations: 20_000)) { benchmark in
        let policy = compiled.policy(partner: "met-police", purpose: nil)!
        for _ in benchmark.scaledIterations {
            var body = ByteWriter(capacity: 100 * 2048)
            for _ in 0..<100 { _ = ViewBuilder.write(c, under: policy, today: today, to: &body) }
            blackHole(body.count)
        }
    }

    // Every view reads its case id from the path and writes it into its ledger entry: Foundation's way as the
    // baseline (sscanf and snprintf on Linux), then ByteEncoding's.
    let idTexts = (0..<1000).map { _ in UUID().uuidString }
    Benchmark("baseline: 1000 case ids read and written, UUID(uuidString:) and uuidString") { benchmark in
        for _ in benchmark.scaledIterations {
            for text in idTexts { blackHole(UUID(uuidString: text)?.uuidString) }
        }
    }
    Benchmark("1000 case ids read and written, UUID(text:) and text") { benchmark in
        for _ in benchmark.scaledIterations {
            for text in idTexts { blackHole(UUID(text: text)?.text) }
        }
    }

    Benchmark("scrub 1 KB narrative") { benchmark in
        for _ in benchmark.scaledIterations {
            var scrubber = Scrubber(parties: c.parties)
            blackHole(scrubber.scrub(c.narrative))
        }
    }

    Benchmark("policy compile (5 partners)", configuration: .init(maxIterations: 10_000)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(CompiledPolicySet(policies, pseudonymRoot: SymmetricKey(data: Data(repeating: 9, count: 32))))
        }
    }
}

extension PolicySet {
    static func loadShipped() -> PolicySet {
        let here = URL(fileURLWithPath: #filePath)
        let policies = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies")
        return try! PolicySet.load(directory: policies)
    }
}

/// A typical Category A case: four parties with every field (50 fields in all) and a 1 KB narrative full of identifiers.
enum TypicalCase {
    static func make() -> ASBCase {
        let narrative = """
            On the evening of 3 October 2026 Darren Pike stood outside 7 Havelock Road shouting racist abuse at Grace \
            Okafor and her son Kwame Okafor. He kicked the front door and said he would come back with his brother. \
            Mrs Okafor called 999 and then rang the council on 07700 900461; her email is grace.okafor@example.org. \
            Kwame Okafor filmed part of it on his phone and is willing to give a statement. A neighbour at UB2 4PA \
            says the same man threw eggs at the windows on 04/10/2026 and again on 12 October. Pike's National \
            Insurance number, given by the housing officer, is QQ 12 34 56 C. Grace says she no longer feels safe \
            leaving the house after dark, has stopped going to the community centre, and is not sleeping. Her GP \
            has been told. She asks for a female officer and a home visit, and for the case to be treated as a hate \
            crime. She would like updates by phone on 020 8123 4567 in the afternoons. Previous reports were made \
            in August about the same group congregating by the garages behind the parade.
            """
        let address = { (line: String, pc: String) in Address(lines: [line, "Southall"], postcode: Postcode(pc)!) }
        var c = ASBCase(
            reference: "ASB-2026-000812",
            incidentType: .hateCrime,
            channel: .phone,
            receivedAt: ISO8601DateFormatter().date(from: "2026-10-05T09:14:00Z")!,
            policeReference: "CAD 4471/05OCT",
            ward: "Southall Green",
            location: "Outside 7 Havelock Road, UB2 4NZ",
            narrative: narrative,
            riskFlag: true,
            tags: ["safeguarding", "tenant:ealing-homes"],
            parties: [
                Party(
                    role: .complainant,
                    name: "Grace Okafor",
                    dateOfBirth: CalendarDate("1958-02-17"),
                    address: address("7 Havelock Road", "UB2 4NZ"),
                    phone: "07700 900461",
                    email: "grace.okafor@example.org",
                    gender: "female",
                    vulnerabilityNotes: "Lives alone; anxiety"
                ),
                Party(
                    role: .victim,
                    name: "Grace Okafor",
                    dateOfBirth: CalendarDate("1958-02-17"),
                    address: address("7 Havelock Road", "UB2 4NZ"),
                    phone: "07700 900461",
                    email: "grace.okafor@example.org",
                    gender: "female",
                    vulnerabilityNotes: "Lives alone; anxiety"
                ),
                Party(
                    role: .witness,
                    name: "Kwame Okafor",
                    dateOfBirth: CalendarDate("1990-06-30"),
                    address: address("7 Havelock Road", "UB2 4NZ"),
                    phone: "07700 900462",
                    email: "kwame@example.org",
                    gender: "male",
                    vulnerabilityNotes: nil
                ),
                Party(
                    role: .allegedPerpetrator,
                    name: "Darren Pike",
                    dateOfBirth: CalendarDate("1986-12-01"),
                    address: address("22 Havelock Road", "UB2 4PA"),
                    phone: "07700 900999",
                    email: "dp@example.net",
                    gender: "male",
                    vulnerabilityNotes: "Known alcohol misuse"
                ),
            ]
        )
        let at = c.receivedAt
        try! c.record(
            CaseEvent(kind: .interviewHeld, at: at.addingTimeInterval(3600), author: "u1", note: "Spoke to Grace by phone", interviewMode: .phone)
        )
        try! c.record(CaseEvent(kind: .actionPlanAgreed, at: at.addingTimeInterval(86400), author: "u1", note: "Warning letter to Darren Pike"))
        try! c.record(CaseEvent(kind: .progressUpdateSent, at: at.addingTimeInterval(14 * 86400), author: "u1", note: "Update by phone"))
        return c
    }
}
