import Foundation

/// One service standard as it stands for one case.
public struct ServiceStandardStatus: Hashable, Sendable, Codable {
    public enum Standard: String, Hashable, Sendable, Codable, CaseIterable {
        case interview
        case actionPlan = "action-plan"
        case progressUpdate = "progress-update"
        case closureNotification = "closure-notification"
        /// A home visit the complainant asked for: offered or held.
        case homeVisit = "home-visit"
        /// A female officer the complainant asked for: assigned.
        case femaleOfficer = "female-officer"
    }

    public enum State: String, Hashable, Sendable, Codable {
        /// Done by the due date.
        case met
        /// Done, but after the due date.
        case late
        /// Not done yet, not yet due.
        case pending
        /// Not done, and the due date has passed.
        case overdue
    }

    public var standard: Standard
    public var due: CalendarDate
    public var completed: CalendarDate?
    public var state: State
    /// The event that completed it was recorded more than one working day after it happened: the standard
    /// was met (or missed) only on a late entry.
    public var lateEntry: Bool = false
}

/// The council's service clocks: the interview within 1, 3 or 5 working days
/// by category, an action plan within 5 working days, a progress update every
/// 14 days for Category A, a closure notification when the case closes
/// (due the next working day), and, when the complainant asks, a home visit offered
/// or held and a female officer assigned, each within the configured working days.
public struct ServiceClock: Sendable {
    public let calendar: WorkingDayCalendar
    public static let actionPlanWorkingDays = 5
    public static let progressUpdateIntervalDays = 14
    public static let closureNotificationWorkingDays = 1
    /// Working days from a request for a home visit to its being offered or held.
    public let homeVisitWorkingDays: Int
    /// Working days from a request for a female officer to one being assigned.
    public let femaleOfficerWorkingDays: Int

    public init(calendar: WorkingDayCalendar, homeVisitWorkingDays: Int = 5, femaleOfficerWorkingDays: Int = 2) {
        self.calendar = calendar
        self.homeVisitWorkingDays = homeVisitWorkingDays
        self.femaleOfficerWorkingDays = femaleOfficerWorkingDays
    }

    public func interviewDue(_ c: ASBCase) -> CalendarDate {
        calendar.adding(workingDays: c.category.interviewWithinWorkingDays, to: CalendarDate(c.receivedAt))
    }

    public func actionPlanDue(_ c: ASBCase) -> CalendarDate {
        calendar.adding(workingDays: Self.actionPlanWorkingDays, to: CalendarDate(c.receivedAt))
    }

    /// The next progress update owed on an open Category A case: 14 days
    /// after the last update, or after receipt (or the last reopening) when none has been sent since.
    public func nextProgressUpdateDue(_ c: ASBCase) -> CalendarDate? {
        guard c.category.requiresFortnightlyUpdates, c.status == .open else { return nil }
        let since = c.sinceLastReopening
        let from = since.last { $0.kind == .progressUpdateSent }?.at ?? since.first { $0.kind == .caseReopened }?.at ?? c.receivedAt
        return CalendarDate(from).adding(days: Self.progressUpdateIntervalDays)
    }

    public func closureNotificationDue(_ c: ASBCase) -> CalendarDate? {
        guard let closedAt = c.closedAt else { return nil }
        return calendar.adding(workingDays: Self.closureNotificationWorkingDays, to: CalendarDate(closedAt))
    }

    /// Every standard that applies to the case, judged on `today`.
    public func statuses(of c: ASBCase, on today: CalendarDate) -> [ServiceStandardStatus] {
        var result = [
            judge(.interview, due: interviewDue(c), done: c.first(.interviewHeld), today: today),
            judge(.actionPlan, due: actionPlanDue(c), done: c.first(.actionPlanAgreed), today: today),
        ]
        if let due = nextProgressUpdateDue(c) {
            result.append(judge(.progressUpdate, due: due, done: nil, today: today))
        }
        if let due = closureNotificationDue(c) {
            let notification = c.sinceLastClosure.first { $0.kind == .closureNotificationSent }
            result.append(judge(.closureNotification, due: due, done: notification, today: today))
        }
        result += requests(
            c,
            .homeVisitRequested,
            answeredBy: [.homeVisitOffered, .homeVisitHeld],
            as: .homeVisit,
            within: homeVisitWorkingDays,
            today
        )
        result += requests(
            c,
            .femaleOfficerRequested,
            answeredBy: [.femaleOfficerAssigned],
            as: .femaleOfficer,
            within: femaleOfficerWorkingDays,
            today
        )
        return result
    }

    /// Whether anything owed on the case is past its due date and still not done.
    public func isOverdue(_ c: ASBCase, on today: CalendarDate) -> Bool {
        statuses(of: c, on: today).contains { $0.state == .overdue }
    }

    /// The earliest date at which something still owed becomes overdue, or nil.
    /// Stored in clear so `overdue=true` is one indexed comparison.
    public func earliestOutstandingDue(_ c: ASBCase) -> CalendarDate? {
        statuses(of: c, on: CalendarDate(daysSinceEpoch: .min / 2))
            .filter { $0.completed == nil }
            .map(\.due)
            .min()
    }

    /// Each request of `kind` is an obligation from its day: met by the first answering event after it. A
    /// request on a closed case (or closed before it was answered) is judged as it stood.
    private func requests(
        _ c: ASBCase,
        _ kind: CaseEventKind,
        answeredBy answers: Set<CaseEventKind>,
        as standard: ServiceStandardStatus.Standard,
        within days: Int,
        _ today: CalendarDate
    ) -> [ServiceStandardStatus] {
        c.events.enumerated().filter { $0.element.kind == kind }.compactMap { index, request in
            let answer = c.events[(index + 1)...].first { answers.contains($0.kind) }
            // Unanswered when the case closed: no longer owed, so not counted either way.
            if answer == nil, c.status == .closed { return nil }
            return judge(standard, due: calendar.adding(workingDays: days, to: CalendarDate(request.at)), done: answer, today: today)
        }
    }

    private func judge(
        _ standard: ServiceStandardStatus.Standard,
        due: CalendarDate,
        done: CaseEvent?,
        today: CalendarDate
    ) -> ServiceStandardStatus {
        if let done {
            let day = CalendarDate(done.at)
            return .init(standard: standard, due: due, completed: day, state: day <= due ? .met : .late, lateEntry: done.isLateEntry(calendar))
        }
        return .init(standard: standard, due: due, completed: nil, state: today > due ? .overdue : .pending)
    }
}
