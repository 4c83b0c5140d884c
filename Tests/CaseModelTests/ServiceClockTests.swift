import CaseModel
import Foundation
import Testing

@Suite("Service clocks in working days")
struct ServiceClockTests {
    let clock = ServiceClock(calendar: WorkingDayCalendar())

    func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    func day(_ text: String) -> CalendarDate { CalendarDate(text)! }

    func makeCase(_ type: IncidentType, received: String) -> ASBCase {
        ASBCase(incidentType: type, channel: .email, receivedAt: at(received), ward: "Perivale", location: "x", narrative: "y")
    }

    @Test(
        "interview due 1, 3 or 5 working days after a Monday report",
        arguments: [(IncidentType.drugs, "2026-11-03"), (.harassment, "2026-11-05"), (.animalNuisance, "2026-11-09")]
    )
    func interviewDue(type: IncidentType, due: String) {
        #expect(clock.interviewDue(makeCase(type, received: "2026-11-02T09:00:00Z")).description == due)
    }

    @Test func weekendReportsCountFromMonday() {
        #expect(clock.interviewDue(makeCase(.hateCrime, received: "2026-11-07T14:00:00Z")) == day("2026-11-09"))
    }

    @Test func bankHolidaysAreSkipped() {
        // Christmas Eve 2026 is a Thursday; 25 Dec and 28 Dec (Boxing Day substitute) are holidays.
        #expect(clock.interviewDue(makeCase(.drugs, received: "2026-12-24T10:00:00Z")) == day("2026-12-29"))
        // Maundy Thursday 2026: Good Friday and Easter Monday are skipped.
        #expect(clock.interviewDue(makeCase(.harassment, received: "2026-04-02T10:00:00Z")) == day("2026-04-09"))
    }

    @Test func lateEveningUTCIsTheNextLondonDayInSummer() {
        // 23:30 UTC on Thursday 2 July 2026 is 00:30 Friday in London.
        #expect(clock.interviewDue(makeCase(.drugs, received: "2026-07-02T23:30:00Z")) == day("2026-07-06"))
    }

    @Test func actionPlanWithinFiveWorkingDays() {
        #expect(clock.actionPlanDue(makeCase(.vehicleNuisance, received: "2026-11-02T09:00:00Z")) == day("2026-11-09"))
        #expect(clock.actionPlanDue(makeCase(.vehicleNuisance, received: "2026-12-23T09:00:00Z")) == day("2027-01-04"))
    }

    @Test func categoryAProgressUpdatesEveryFourteenDays() throws {
        var c = makeCase(.threatsOfViolence, received: "2026-11-02T09:00:00Z")
        #expect(clock.nextProgressUpdateDue(c) == day("2026-11-16"))
        try c.record(CaseEvent(kind: .progressUpdateSent, at: at("2026-11-12T10:00:00Z"), author: "u"))
        #expect(clock.nextProgressUpdateDue(c) == day("2026-11-26"))
        #expect(clock.nextProgressUpdateDue(makeCase(.harassment, received: "2026-11-02T09:00:00Z")) == nil)
    }

    @Test func overdueDetection() throws {
        var c = makeCase(.harassment, received: "2026-11-02T09:00:00Z")
        #expect(!clock.isOverdue(c, on: day("2026-11-05")))
        #expect(clock.isOverdue(c, on: day("2026-11-06")))
        try c.record(CaseEvent(kind: .interviewHeld, at: at("2026-11-04T10:00:00Z"), author: "u", interviewMode: .phone))
        #expect(!clock.isOverdue(c, on: day("2026-11-06")))
        #expect(clock.isOverdue(c, on: day("2026-11-10")))  // action plan was due 9 Nov
        let states = Dictionary(uniqueKeysWithValues: clock.statuses(of: c, on: day("2026-11-10")).map { ($0.standard, $0.state) })
        #expect(states == [.interview: .met, .actionPlan: .overdue])
    }

    @Test func lateInterviewIsLateNotOverdue() throws {
        var c = makeCase(.drugs, received: "2026-11-02T09:00:00Z")
        try c.record(CaseEvent(kind: .interviewHeld, at: at("2026-11-05T10:00:00Z"), author: "u", interviewMode: .inPerson))
        #expect(clock.statuses(of: c, on: day("2026-11-05")).first?.state == .late)
    }

    @Test func closureNotificationIsOwedTheNextWorkingDay() throws {
        var c = makeCase(.animalNuisance, received: "2026-11-02T09:00:00Z")
        try c.record(CaseEvent(kind: .interviewHeld, at: at("2026-11-02T10:00:00Z"), author: "u", interviewMode: .phone))
        try c.record(CaseEvent(kind: .actionPlanAgreed, at: at("2026-11-03T10:00:00Z"), author: "u"))
        try c.record(CaseEvent(kind: .caseClosed, at: at("2026-11-06T10:00:00Z"), author: "u"))
        #expect(clock.closureNotificationDue(c) == day("2026-11-09"))
        #expect(clock.isOverdue(c, on: day("2026-11-10")))
        #expect(clock.earliestOutstandingDue(c) == day("2026-11-09"))
        try c.record(CaseEvent(kind: .closureNotificationSent, at: at("2026-11-09T10:00:00Z"), author: "u"))
        #expect(!clock.isOverdue(c, on: day("2026-11-10")))
        #expect(clock.earliestOutstandingDue(c) == nil)
    }

    @Test func workingDaysBetween() {
        let calendar = WorkingDayCalendar()
        #expect(calendar.workingDays(from: day("2026-12-24"), to: day("2026-12-31")) == 3)
        #expect(calendar.adding(workingDays: 0, to: day("2026-12-25")) == day("2026-12-25"))
    }
}
