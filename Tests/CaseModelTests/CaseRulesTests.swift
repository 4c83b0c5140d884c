import CaseModel
import Foundation
import Testing

@Suite("Categories and case rules")
struct CaseRulesTests {
    static let received = ISO8601DateFormatter().date(from: "2026-11-02T10:00:00Z")!

    func makeCase(_ type: IncidentType = .harassment) -> ASBCase {
        ASBCase(
            incidentType: type,
            channel: .phone,
            receivedAt: Self.received,
            ward: "Ealing Broadway",
            location: "1 High Street",
            narrative: "Noise and threats.",
            parties: [Party(role: .complainant, name: "A Person")]
        )
    }

    func event(_ kind: CaseEventKind, hours: Double, note: String? = nil, mode: InterviewMode? = nil, category: Category? = nil) -> CaseEvent {
        CaseEvent(kind: kind, at: Self.received.addingTimeInterval(hours * 3600), author: "u1", note: note, interviewMode: mode, category: category)
    }

    @Test("the category follows the service standards", arguments: IncidentType.allCases)
    func derivedCategory(type: IncidentType) {
        let expected: Category =
            switch type {
            case .domesticViolence, .drugs, .hateCrime, .threatsOfViolence, .unprovokedAttack: .a
            case .damageToProperty, .harassment: .b
            case .peopleCongregating, .vehicleNuisance, .animalNuisance: .c
            }
        #expect(type.category == expected)
        #expect(makeCase(type).category == expected)
    }

    @Test func interviewDeadlinesByCategory() {
        #expect(Category.a.interviewWithinWorkingDays == 1)
        #expect(Category.b.interviewWithinWorkingDays == 3)
        #expect(Category.c.interviewWithinWorkingDays == 5)
        #expect(Category.a > Category.b && Category.b > Category.c)
    }

    @Test func categoryCanBeRaisedWithAReason() throws {
        var c = makeCase(.harassment)
        try c.record(event(.categoryRaised, hours: 1, note: "Racially motivated: treated as hate crime", category: .a))
        #expect(c.category == .a)
        #expect(c.categoryReason == "Racially motivated: treated as hate crime")
        #expect(c.events.map(\.kind) == [.categoryRaised])
    }

    @Test func categoryIsNeverLowered() {
        var c = makeCase(.harassment)
        #expect(throws: CaseRuleViolation.categoryNotRaised(from: .b, to: .c)) {
            try c.record(event(.categoryRaised, hours: 1, note: "seems minor", category: .c))
        }
        #expect(throws: CaseRuleViolation.categoryNotRaised(from: .b, to: .b)) {
            try c.record(event(.categoryRaised, hours: 1, note: "same", category: .b))
        }
        #expect(c.category == .b)
    }

    @Test func raisingNeedsAReason() {
        var c = makeCase(.harassment)
        #expect(throws: CaseRuleViolation.missingField(field: "note", kind: .categoryRaised)) {
            try c.record(event(.categoryRaised, hours: 1, note: "  ", category: .a))
        }
    }

    @Test func interviewNeedsAMode() {
        var c = makeCase()
        #expect(throws: CaseRuleViolation.missingField(field: "interview_mode", kind: .interviewHeld)) {
            try c.record(event(.interviewHeld, hours: 1))
        }
        #expect(throws: CaseRuleViolation.fieldNotAllowed(field: "interview_mode", kind: .actionPlanAgreed)) {
            try c.record(event(.actionPlanAgreed, hours: 1, mode: .phone))
        }
    }

    @Test func closedCaseTakesOnlyTheClosureNotification() throws {
        var c = makeCase()
        try c.record(event(.caseClosed, hours: 2, note: "resolved"))
        #expect(c.status == .closed)
        #expect(c.closedAt == Self.received.addingTimeInterval(7200))
        #expect(throws: CaseRuleViolation.caseClosed(.progressUpdateSent)) {
            try c.record(event(.progressUpdateSent, hours: 3))
        }
        try c.record(event(.closureNotificationSent, hours: 4))
        #expect(throws: CaseRuleViolation.alreadyNotified) {
            try c.record(event(.closureNotificationSent, hours: 5))
        }
    }

    @Test func closureNotificationNeedsAClosedCase() {
        var c = makeCase()
        #expect(throws: CaseRuleViolation.notClosed) { try c.record(event(.closureNotificationSent, hours: 1)) }
    }

    @Test("an event may be back-dated (kept in order of when it happened) but not before the report; a change of status not before the latest event")
    func eventsAreInOrderAndAfterReceipt() throws {
        var c = makeCase()
        #expect(throws: CaseRuleViolation.eventBeforeReceipt) { try c.record(event(.homeVisitOffered, hours: -1)) }
        try c.record(event(.homeVisitRequested, hours: 5))
        try c.record(event(.homeVisitHeld, hours: 4))
        #expect(c.events.map(\.kind) == [.homeVisitHeld, .homeVisitRequested], "kept in the order they happened")
        #expect(throws: CaseRuleViolation.eventBeforePrevious) { try c.record(event(.caseClosed, hours: 3)) }
    }

    @Test("a closed case reopens with a reason; the progress clock runs again from the reopening; a second closure needs its own notification")
    func reopening() throws {
        var c = makeCase(.drugs)
        try c.record(event(.caseClosed, hours: 1))
        try c.record(event(.closureNotificationSent, hours: 2))
        #expect(throws: CaseRuleViolation.missingField(field: "note", kind: .caseReopened)) { try c.record(event(.caseReopened, hours: 3)) }
        try c.record(CaseEvent(kind: .caseReopened, at: c.receivedAt.addingTimeInterval(3 * 3600), author: "u1", note: "New report"))
        #expect(c.status == .open && c.closedAt == nil)
        #expect(throws: CaseRuleViolation.notClosedToReopen) {
            try c.record(CaseEvent(kind: .caseReopened, at: c.receivedAt.addingTimeInterval(4 * 3600), author: "u1", note: "Again"))
        }
        let clock = ServiceClock(calendar: WorkingDayCalendar())
        let reopened = CalendarDate(c.receivedAt.addingTimeInterval(3 * 3600))
        #expect(clock.nextProgressUpdateDue(c) == reopened.adding(days: 14))
        try c.record(event(.caseClosed, hours: 5))
        let notification = clock.statuses(of: c, on: CalendarDate(c.receivedAt)).first { $0.standard == .closureNotification }
        #expect(notification?.completed == nil, "the first closure's notification does not count for the second")
        try c.record(event(.closureNotificationSent, hours: 6))
    }

    @Test("a home visit and a female officer asked for are obligations: due in the configured working days, overdue until answered")
    func requestsAreObligations() throws {
        var c = makeCase(.harassment)  // received Monday 2026-11-02
        let clock = ServiceClock(calendar: WorkingDayCalendar(), homeVisitWorkingDays: 5, femaleOfficerWorkingDays: 2)
        try c.record(event(.homeVisitRequested, hours: 1))
        try c.record(event(.femaleOfficerRequested, hours: 2))
        func status(_ standard: ServiceStandardStatus.Standard, on day: String) -> ServiceStandardStatus? {
            clock.statuses(of: c, on: CalendarDate(day)!).first { $0.standard == standard }
        }
        #expect(status(.homeVisit, on: "2026-11-03")?.due == CalendarDate("2026-11-09") && status(.homeVisit, on: "2026-11-03")?.state == .pending)
        #expect(
            status(.femaleOfficer, on: "2026-11-05")?.due == CalendarDate("2026-11-04") && status(.femaleOfficer, on: "2026-11-05")?.state == .overdue
        )
        #expect(clock.isOverdue(c, on: CalendarDate("2026-11-05")!), "in the overdue list")
        try c.record(event(.femaleOfficerAssigned, hours: 90))
        try c.record(event(.homeVisitHeld, hours: 70))
        #expect(status(.femaleOfficer, on: "2026-11-10")?.state == .late && status(.homeVisit, on: "2026-11-10")?.state == .met)
        #expect(
            ServiceClock(calendar: WorkingDayCalendar()).statuses(of: makeCase(), on: CalendarDate("2026-11-10")!).allSatisfy {
                $0.standard != .homeVisit && $0.standard != .femaleOfficer
            },
            "owed only when asked for"
        )
    }

    @Test("an event recorded more than one working day after it happened is a late entry, and the standard it meets says so")
    func lateEntries() throws {
        var c = makeCase(.harassment)
        let calendar = WorkingDayCalendar()
        let interviewed = c.receivedAt.addingTimeInterval(3600)
        let recorded = calendar.adding(workingDays: 3, to: CalendarDate(interviewed))
        let recordedAt = try #require(ISO8601DateFormatter().date(from: "\(recorded)T12:00:00Z"))
        let late = CaseEvent(kind: .interviewHeld, at: interviewed, recordedAt: recordedAt, author: "u1", interviewMode: .phone)
        #expect(late.isLateEntry(calendar))
        #expect(!CaseEvent(kind: .interviewHeld, at: interviewed, recordedAt: interviewed, author: "u1").isLateEntry(calendar))
        try c.record(late)
        #expect(c.updatedAt == recordedAt, "updated_at follows the recording, not the back-dated event")
        let interview = ServiceClock(calendar: calendar).statuses(of: c, on: recorded).first { $0.standard == .interview }
        #expect(interview?.state == .met && interview?.lateEntry == true)
    }
}
