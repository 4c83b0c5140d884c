import CaseModel
import Foundation

/// Realistic synthetic ASB cases across categories, wards and states, for the
/// demo and for tests. The same seed gives the same cases.
public struct DemoCaseGenerator {
    private var rng: SeededGenerator
    private let clock: ServiceClock
    private let now: Date

    public init(seed: UInt64 = 2026, clock: ServiceClock, now: Date = Date()) {
        self.rng = SeededGenerator(seed: seed)
        self.clock = clock
        self.now = now
    }

    /// Makes `count` cases, each with its history up to `now`.
    public mutating func makeCases(_ count: Int) -> [ASBCase] {
        (0..<count).map { _ in makeCase() }
    }

    /// A case closed more than ten years ago: past every shipped retention rule, so a sweep purges it.
    /// For retention demonstrations and load measurements during sweeps.
    public mutating func makeExpiredCase() -> ASBCase {
        var c = makeCase()
        let shift = -10 * 366 * 86400.0
        c.receivedAt.addTimeInterval(shift)
        c.updatedAt.addTimeInterval(shift)
        c.closedAt?.addTimeInterval(shift)
        for i in c.events.indices {
            c.events[i].at.addTimeInterval(shift)
            c.events[i].recordedAt?.addTimeInterval(shift)
        }
        if c.status == .open {
            let at = (c.events.last?.at ?? c.receivedAt).addingTimeInterval(86400)
            try? c.record(CaseEvent(kind: .caseClosed, at: at, author: "demo-caseworker", note: "No further reports."))
        }
        return c
    }

    public mutating func makeCase() -> ASBCase {
        // Most cases are recent; about one in seven is old enough for retention to matter.
        let ageDays = int(0..<7) == 0 ? int(540..<2900) : int(0..<540)
        let receivedAt = now.addingTimeInterval(-Double(ageDays) * 86400 - Double(int(0..<36000)))
        let incident = pick(IncidentType.allCases)
        let ward = pick(DemoVocabulary.wards)
        let complainant = makeParty(.complainant, ward: ward)
        var parties = [complainant]
        let other = makeParty(.allegedPerpetrator, ward: ward)
        if incident != .vehicleNuisance { parties.append(other) }
        if int(0..<3) == 0 { parties.append(makeParty(.witness, ward: ward)) }
        if [.hateCrime, .domesticViolence, .unprovokedAttack].contains(incident), int(0..<2) == 0 {
            parties.append(makeParty(.victim, ward: ward))
        }
        var c = ASBCase(
            incidentType: incident,
            channel: pick(ReportChannel.allCases),
            receivedAt: receivedAt,
            policeReference: incident.category == .c && int(0..<3) != 0
                ? nil : "CAD \(int(1000..<9999))/\(int(10..<31))\(pick(["JAN", "MAR", "JUN", "SEP", "NOV"]))",
            ward: ward.name,
            location: "\(int(1..<180)) \(pick(DemoVocabulary.streets)), \(complainant.address!.postcode)",
            narrative: narrative(incident, complainant: complainant, other: other),
            riskFlag: incident.category == .a && int(0..<2) == 0,
            tags: tags(for: incident),
            parties: parties
        )
        progress(&c, ageDays: ageDays)
        return c
    }

    /// A case's history as real casework goes: interviews mostly on time (some recorded days late), home
    /// visits and female officers when asked for, an action plan, fortnightly updates on Category A cases
    /// (most kept, some with a gap), witnesses and tags added after intake, closure with its notification,
    /// and now and then a closed case reopened on a new report.
    private mutating func progress(_ c: inout ASBCase, ageDays: Int) {
        let author = pick(["demo-caseworker", "demo-caseworker", "demo-caseworker-2"])
        var at = c.receivedAt
        /// Recorded within minutes, or (about one in nine) some working days later: a late entry.
        func recordedAt(_ when: Date) -> Date {
            let delay = int(0..<9) == 0 ? Double(int(2..<6)) * 86400 + Double(int(0..<20_000)) : Double(int(60..<3600))
            return min(when.addingTimeInterval(delay), now)
        }
        func record(_ kind: CaseEventKind, after hours: Double, note: String? = nil, mode: InterviewMode? = nil) {
            at = at.addingTimeInterval(hours * 3600)
            guard at < now else { return }
            try? c.record(CaseEvent(kind: kind, at: at, recordedAt: recordedAt(at), author: author, note: note, interviewMode: mode))
        }
        // A few cases are left waiting for their interview, so the overdue list has something in it.
        guard int(0..<10) != 0 else { return }
        let interviewDue = clock.interviewDue(c)
        let dueDate = Date(timeIntervalSince1970: Double(interviewDue.daysSinceEpoch) * 86400 + 12 * 3600)
        let onTime = int(0..<6) != 0
        let interviewAt = onTime ? min(dueDate, c.receivedAt.addingTimeInterval(20 * 3600)) : dueDate.addingTimeInterval(3 * 86400)
        record(
            .interviewHeld,
            after: max(1, interviewAt.timeIntervalSince(at) / 3600),
            note: "Complainant interviewed; account taken.",
            mode: pick(InterviewMode.allCases)
        )
        switch int(0..<6) {
        case 0: record(.homeVisitOffered, after: 2, note: "Home visit offered.")
        case 1:
            record(.homeVisitRequested, after: 2, note: "Complainant asked for a home visit.")
            record(.homeVisitHeld, after: Double(int(24..<72)), note: "Visited at home.")
        default: break
        }
        if int(0..<8) == 0 {
            record(.femaleOfficerRequested, after: 1)
            record(.femaleOfficerAssigned, after: Double(int(4..<30)))
        }
        record(.actionPlanAgreed, after: Double(int(24..<100)), note: "Action plan agreed: warning letter and patrols.")
        let closing = ageDays > 60 && int(0..<4) != 0
        let closeAfterDays = Double(int(20..<120))
        if c.category == .a {
            // Updates every 10 to 13 days from receipt; about one case in four has a gap of 16 to 25 days.
            let gapAt = int(0..<4) == 0 ? int(1..<5) : -1
            var next = c.receivedAt
            var count = 0
            while true {
                next = next.addingTimeInterval(Double(count == gapAt ? int(16..<26) : int(10..<14)) * 86400)
                count += 1
                if next >= now || (closing && next > c.receivedAt.addingTimeInterval(closeAfterDays * 86400)) { break }
                if next > at { record(.progressUpdateSent, after: next.timeIntervalSince(at) / 3600, note: "Progress update by phone.") }
            }
        }
        // Completed after intake: a witness found on a door-knock, a tenancy confirmed by the landlord.
        if int(0..<7) == 0 {
            _ = c.addParty(makeParty(.witness, ward: DemoVocabulary.ward(named: c.ward)), at: min(at.addingTimeInterval(86400), now))
        }
        if int(0..<9) == 0, !c.tags.contains("tenant:ealing-homes") {
            _ = c.amend(CaseAmendment(tags: c.tags + ["tenant:ealing-homes"]), at: min(at.addingTimeInterval(2 * 86400), now))
        }
        guard closing else { return }
        let closeAt = max(at, c.receivedAt.addingTimeInterval(closeAfterDays * 86400))
        record(.caseClosed, after: max(1, closeAt.timeIntervalSince(at) / 3600), note: "Behaviour stopped after intervention.")
        if int(0..<10) != 0 { record(.closureNotificationSent, after: Double(int(2..<30)), note: "Closure letter sent.") }
        // Now and then a new report on the same matter reopens a closed case.
        if c.status == .closed, int(0..<10) == 0 {
            record(.caseReopened, after: Double(int(200..<900)), note: "Further report from the complainant.")
            if c.status == .open, int(0..<2) == 0 {
                record(.caseClosed, after: Double(int(100..<400)), note: "Resolved after a second warning.")
                record(.closureNotificationSent, after: Double(int(2..<20)), note: "Closure letter sent.")
            }
        }
    }

    private mutating func tags(for incident: IncidentType) -> [String] {
        var tags: [String] = []
        if int(0..<3) == 0 { tags.append("tenant:\(pick(["ealing-homes", "ealing-homes", "catalyst-housing"]))") }
        if [.domesticViolence, .hateCrime, .harassment].contains(incident), int(0..<3) == 0 { tags.append("safeguarding") }
        if incident == .damageToProperty || incident == .peopleCongregating, int(0..<4) == 0 { tags.append("fire-risk") }
        return tags
    }

    private mutating func makeParty(_ role: PartyRole, ward: (name: String, districts: [String])) -> Party {
        let first = pick(DemoVocabulary.firstNames)
        let last = pick(DemoVocabulary.surnames)
        let district = pick(ward.districts)
        let postcode = Postcode("\(district) \(int(1..<10))\(letter())\(letter())")!
        return Party(
            role: role,
            name: "\(first) \(last)",
            dateOfBirth: CalendarDate(year: int(1940..<2006), month: int(1..<13), day: int(1..<29)),
            address: Address(lines: ["\(int(1..<180)) \(pick(DemoVocabulary.streets))", "London"], postcode: postcode),
            phone: "07\(int(100..<999)) \(int(100_000..<999_999))",
            email: "\(first.lowercased()).\(last.lowercased().filter(\.isLetter))\(int(1..<99))@example.org",
            gender: pick(DemoVocabulary.genders),
            vulnerabilityNotes: int(0..<5) == 0 ? "Lives alone; hearing impaired." : nil
        )
    }

    private mutating func narrative(_ incident: IncidentType, complainant: Party, other: Party) -> String {
        let template = pick(DemoVocabulary.narratives[incident]!)
        let day = CalendarDate(now.addingTimeInterval(-Double(int(1..<30)) * 86400))
        return
            template
            .replacingOccurrences(of: "{self}", with: complainant.name)
            .replacingOccurrences(of: "{other}", with: other.name)
            .replacingOccurrences(of: "{phone}", with: complainant.phone ?? "")
            .replacingOccurrences(of: "{email}", with: complainant.email ?? "")
            .replacingOccurrences(of: "{postcode}", with: complainant.address?.postcode.description ?? "")
            .replacingOccurrences(of: "{date}", with: "\(day.day)/\(day.month)/\(day.year)")
    }

    private mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &rng) }
    private mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }
    private mutating func letter() -> Character { pick(Array("ABDEFGHJLNPQRSTUWXYZ")) }
}
