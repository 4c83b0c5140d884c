import CaseModel
import DemoData
import Foundation
import Reports
import SharingPolicy
import Testing

private let clock = ServiceClock(calendar: WorkingDayCalendar())
private let policiesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("policies")

/// Noon, London, on a day.
private func at(_ day: String) -> Date { ISO8601DateFormatter().date(from: day + "T12:00:00Z")! }

private func report(
    _ type: IncidentType,
    on day: String,
    ward: String = "Acton Central",
    location: String = "Churchfield Road",
    complainant: String = "Ada Okonjo",
    dob: String? = "1980-01-02",
    events: [(CaseEventKind, String)] = []
) -> ASBCase {
    var c = ASBCase(
        incidentType: type,
        channel: .phone,
        receivedAt: at(day),
        ward: ward,
        location: location,
        narrative: "n",
        parties: [Party(role: .complainant, name: complainant, dateOfBirth: dob.flatMap { CalendarDate($0) })]
    )
    c.reference = "ASB-\(day)-\(type.rawValue)"
    for (kind, when) in events {
        try! c.record(CaseEvent(kind: kind, at: at(when), author: "u1", interviewMode: kind == .interviewHeld ? .phone : nil))
    }
    return c
}

@Suite("Service standards report")
struct ServiceStandardsReportTests {
    @Test("each standard counts kept out of fallen due, by month and category; pending ones wait")
    func shares() throws {
        // Monday 2026-10-05. Category A: interview due in 1 working day, action plan in 5.
        let onTime = report(.hateCrime, on: "2026-10-05", events: [(.interviewHeld, "2026-10-06"), (.actionPlanAgreed, "2026-10-09")])
        let late = report(.drugs, on: "2026-10-05", events: [(.interviewHeld, "2026-10-08")])  // action plan never agreed: overdue
        let categoryC = report(.vehicleNuisance, on: "2026-10-05", events: [(.interviewHeld, "2026-10-12")])  // 5 working days: on time
        let fresh = report(.harassment, on: "2026-11-24")  // nothing due yet on the 25th
        let r = ServiceStandardsReport(cases: [onTime, late, categoryC, fresh], clock: clock, today: CalendarDate("2026-11-25")!)
        let a = try #require(r.rows.first { $0.month == "2026-10" && $0.category == .a })
        #expect(a.cases == 2)
        #expect(a.interview == .init(kept: 1, due: 2) && a.interview.percent == "50%")
        #expect(a.actionPlan == .init(kept: 1, due: 2))
        let c = try #require(r.rows.first { $0.month == "2026-10" && $0.category == .c })
        #expect(c.interview == .init(kept: 1, due: 1))
        let b = try #require(r.rows.first { $0.month == "2026-11" && $0.category == .b })
        #expect(b.interview.due == 0 && b.interview.percent == "–", "pending is not counted")
        #expect(r.rows.first?.month == "2026-11", "newest month first")
        // Overdue: the drugs case's action plan, and the fortnightly updates of both Category A cases.
        #expect(r.overdue.contains { $0.caseID == late.id.uuidString && $0.standard == .actionPlan })
        #expect(r.overdue.allSatisfy { $0.daysOverdue > 0 })
        #expect(!r.overdue.contains { $0.caseID == fresh.id.uuidString })
        #expect(r.csv.text.hasPrefix("month,category,cases,interview_kept"))
    }

    @Test("fortnightly updates are kept only if no gap exceeds 14 days up to closure or today")
    func fortnightly() throws {
        let kept = report(
            .threatsOfViolence,
            on: "2026-09-01",
            events: [
                (.progressUpdateSent, "2026-09-14"), (.progressUpdateSent, "2026-09-28"), (.caseClosed, "2026-10-10"),
            ]
        )
        let gap = report(.threatsOfViolence, on: "2026-09-01", events: [(.progressUpdateSent, "2026-09-20")])
        let r = ServiceStandardsReport(cases: [kept, gap], clock: clock, today: CalendarDate("2026-10-20")!)
        let row = try #require(r.rows.first { $0.category == .a })
        #expect(row.fortnightlyUpdates == .init(kept: 1, due: 2))
    }
}

@Suite("ASB case review (community trigger) watch")
struct CommunityTriggerTests {
    @Test("three complaints in six months from one person or place, or one hate incident, are listed; older ones are not counted")
    func threshold() throws {
        let today = CalendarDate("2026-11-25")!
        let cases = [
            report(.harassment, on: "2026-07-01", location: "1 Elm Row", complainant: "Ada Okonjo"),
            report(.peopleCongregating, on: "2026-09-01", location: "2 Oak Row", complainant: "ada  OKONJO"),
            report(.vehicleNuisance, on: "2026-11-01", location: "3 Ash Row", complainant: "Ada Okonjo"),
            report(.harassment, on: "2026-03-01", location: "9 Yew Row", complainant: "Ben Tully", dob: nil),  // over six months ago
            report(.harassment, on: "2026-10-01", location: "9 Yew Row", complainant: "Ben Tully", dob: nil),
            report(.hateCrime, on: "2026-11-20", location: "5 Fir Row", complainant: "Cy Moss", dob: nil),
        ]
        let watch = CommunityTriggerWatch(cases: cases, today: today)
        #expect(watch.since == CalendarDate("2026-05-25"))
        let ada = try #require(watch.matches.first { $0.subject == .person && $0.label.hasPrefix("Ada") })
        #expect(ada.complaints == 3 && ada.reason.contains("3 complaints"))
        #expect(!watch.matches.contains { $0.label == "Ben Tully" }, "only one complaint inside the window")
        #expect(watch.matches.contains { $0.label == "Cy Moss" && $0.hateIncidents == 1 && $0.reason == "1 hate incident" })
        #expect(watch.matches.contains { $0.subject == .place && $0.label == "5 Fir Row" })
        let strict = CommunityTriggerWatch(cases: cases, today: today, threshold: .init(complaints: 4, months: 6, hateIncidents: 2))
        #expect(strict.matches.isEmpty)
    }
}

@Suite("Publication statistics, records of processing, subject access deadline")
struct PublicationAndRoPATests {
    @Test("counts by month, ward and category; 1 to 4 published as <5")
    func suppression() {
        var cases = (0..<5).map { _ in report(.harassment, on: "2026-10-02", ward: "Hanwell") }
        cases += (0..<2).map { _ in report(.drugs, on: "2026-10-03", ward: "Hanwell") }
        let stats = PublicationStatistics(cases: cases)
        #expect(stats.cells.map(\.published) == ["<5", "5"])
        #expect(stats.csv.text == "month,ward,category,reports\r\n2026-10,Hanwell,A,<5\r\n2026-10,Hanwell,B,5\r\n")
        #expect(!stats.csv.text.contains(",2\r\n"))
    }

    @Test("generated from the shipped policies and schedule; an agreement past its review date is flagged")
    func recordsOfProcessing() throws {
        let policies = try PolicySet.load(directory: policiesDirectory)
        let schedule = try RetentionSchedule.load(file: policiesDirectory.appendingPathComponent("retention.yaml"))
        let ropa = RecordsOfProcessing(policies: policies, schedule: schedule, today: CalendarDate("2026-11-25")!)
        #expect(ropa.activities.count == policies.policies.reduce(0) { $0 + $1.purposes.count })
        let met = try #require(ropa.activities.first { $0.partnerID == "met-police" })
        #expect(met.lawfulBasis.contains("Art 6(1)(e)") && met.criminalOffenceData)
        #expect(met.dataCategories.contains { $0.hasPrefix("narrative (scrub)") })
        #expect(!met.dataCategories.contains { $0.contains("(omit)") })
        #expect(!met.reviewOverdue)
        #expect(ropa.retention.count == schedule.rules.count)
        let later = RecordsOfProcessing(policies: policies, schedule: schedule, today: CalendarDate("2099-01-01")!)
        #expect(later.activities.allSatisfy { $0.reviewOverdue })
        #expect(ropa.csv.rows.count == ropa.activities.count && ropa.csv.text.contains(met.agreementReference))
    }

    @Test("a subject access request is due one calendar month on, or the month's last day")
    func deadline() {
        #expect(SubjectAccessDeadline.due(receivedOn: CalendarDate("2026-11-25")!) == CalendarDate("2026-12-25"))
        #expect(SubjectAccessDeadline.due(receivedOn: CalendarDate("2027-01-31")!) == CalendarDate("2027-02-28"))
    }

    @Test("CSV cells are quoted and formula-safe")
    func csvCells() {
        #expect(CSVTable.cell("a,b") == "\"a,b\"" && CSVTable.cell("say \"hi\"") == "\"say \"\"hi\"\"\"" && CSVTable.cell("=SUM(A1)") == "'=SUM(A1)")
    }
}

@Suite("Demo data exercises the service standards")
struct DemoStandardsTests {
    @Test("fortnightly updates partly kept, late entries, home visits and female officers asked for, parties and tags added, cases reopened")
    func demoCasesLookLikeCasework() throws {
        let now = at("2026-11-25")
        var generator = DemoCaseGenerator(seed: 2026, clock: clock, now: now)
        let cases = generator.makeCases(1500)
        let report = ServiceStandardsReport(cases: cases, clock: clock, today: CalendarDate(now))
        let updates = report.rows.reduce(into: ServiceStandardsReport.Measure()) { total, row in
            total.kept += row.fortnightlyUpdates.kept
            total.due += row.fortnightlyUpdates.due
        }
        #expect(updates.due > 50 && updates.kept > updates.due / 2 && updates.kept < updates.due, "\(updates.kept)/\(updates.due)")
        let monthsWithUpdatesKept = report.rows.filter { row in row.category == Category.a && row.fortnightlyUpdates.kept > 0 }.count
        #expect(monthsWithUpdatesKept > 6, "fortnightly updates kept in many months, not 0% everywhere")
        #expect(report.rows.contains { $0.interview.keptOnLateEntry > 0 }, "some interviews kept only on a late entry")
        let visits = report.rows.reduce(0) { $0 + $1.homeVisit.due }
        let officers = report.rows.reduce(0) { $0 + $1.femaleOfficer.due }
        #expect(visits > 20 && officers > 20, "home visits and female officers asked for are counted")
        func count(_ kind: CaseEventKind) -> Int { cases.filter { c in c.events.contains { $0.kind == kind } }.count }
        #expect(count(.homeVisitRequested) > 50 && count(.femaleOfficerRequested) > 50 && count(.caseReopened) > 10)
        let amended = cases.filter { c in
            let lastChange: Date = c.events.last?.recordedAt ?? c.receivedAt
            return c.updatedAt > lastChange
        }
        #expect(amended.count > 50, "parties and tags added after intake")
        #expect(cases.allSatisfy { c in c.events.allSatisfy { $0.recordedAt != nil && $0.recordedAt! >= $0.at } })
    }
}
