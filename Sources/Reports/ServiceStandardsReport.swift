import CaseModel

/// The council's performance monitoring of its service standards: for each month of receipt and each
/// category, the share of cases whose interview, action plan, fortnightly updates (Category A) and
/// closure notification kept to time; and the list of what is overdue today.
public struct ServiceStandardsReport: Sendable {
    /// Kept to time out of those that have fallen due (done, or due date passed); pending ones are not counted.
    public struct Measure: Sendable, Equatable {
        public var kept: Int = 0
        public var due: Int = 0
        /// Of those kept, how many only on a late entry: the event was recorded more than one working day after
        /// it happened, so the record did not show it in time.
        public var keptOnLateEntry: Int = 0

        public init(kept: Int = 0, due: Int = 0, keptOnLateEntry: Int = 0) {
            self.kept = kept
            self.due = due
            self.keptOnLateEntry = keptOnLateEntry
        }

        public var share: Double? { due == 0 ? nil : Double(kept) / Double(due) }
        /// "87%" or "–" when nothing has fallen due.
        public var percent: String { share.map { "\(Int(($0 * 100).rounded()))%" } ?? "–" }

        mutating func count(_ kept: Bool, lateEntry: Bool = false) {
            due += 1
            if kept { self.kept += 1 }
            if kept && lateEntry { keptOnLateEntry += 1 }
        }
    }

    public struct Row: Sendable, Equatable {
        /// `YYYY-MM`, the month the reports came in.
        public var month: String
        public var category: Category
        public var cases = 0
        public var interview = Measure()
        public var actionPlan = Measure()
        /// Category A only: open or closed cases whose updates never went more than 14 days apart.
        public var fortnightlyUpdates = Measure()
        public var closureNotification = Measure()
        /// Home visits asked for and offered or held in time.
        public var homeVisit = Measure()
        /// Female officers asked for and assigned in time.
        public var femaleOfficer = Measure()
    }

    public struct Overdue: Sendable, Equatable {
        public var caseID: String
        public var reference: String
        public var category: Category
        public var standard: ServiceStandardStatus.Standard
        public var due: CalendarDate
        public var daysOverdue: Int
    }

    public var rows: [Row]
    public var overdue: [Overdue]
    public let today: CalendarDate

    public init(cases: [ASBCase], clock: ServiceClock, today: CalendarDate) {
        self.today = today
        var rows: [String: Row] = [:]
        var overdue: [Overdue] = []
        for c in cases {
            let month = String(CalendarDate(c.receivedAt).description.prefix(7))
            let key = month + c.category.rawValue
            var row = rows[key] ?? Row(month: month, category: c.category)
            row.cases += 1
            for status in clock.statuses(of: c, on: today) {
                switch (status.standard, status.state) {
                case (_, .pending): break
                case (.interview, let state): row.interview.count(state == .met, lateEntry: status.lateEntry)
                case (.actionPlan, let state): row.actionPlan.count(state == .met, lateEntry: status.lateEntry)
                case (.closureNotification, let state): row.closureNotification.count(state == .met, lateEntry: status.lateEntry)
                case (.homeVisit, let state): row.homeVisit.count(state == .met, lateEntry: status.lateEntry)
                case (.femaleOfficer, let state): row.femaleOfficer.count(state == .met, lateEntry: status.lateEntry)
                case (.progressUpdate, _): break  // counted over the whole life of the case below
                }
                if status.state == .overdue {
                    overdue.append(
                        Overdue(
                            caseID: c.id.uuidString,
                            reference: c.reference,
                            category: c.category,
                            standard: status.standard,
                            due: status.due,
                            daysOverdue: today.daysSinceEpoch - status.due.daysSinceEpoch
                        )
                    )
                }
            }
            if c.category.requiresFortnightlyUpdates, let kept = Self.fortnightlyUpdatesKept(c, today: today) {
                row.fortnightlyUpdates.count(kept)
            }
            rows[key] = row
        }
        self.rows = rows.values.sorted { ($0.month, $0.category.rawValue) > ($1.month, $1.category.rawValue) }
        self.overdue = overdue.sorted { ($0.daysOverdue, $0.reference) > ($1.daysOverdue, $1.reference) }
    }

    /// Whether no gap between receipt, each update, and closure (or today) exceeded 14 days; nil before the first update fell due.
    static func fortnightlyUpdatesKept(_ c: ASBCase, today: CalendarDate) -> Bool? {
        let interval = ServiceClock.progressUpdateIntervalDays
        let start = CalendarDate(c.receivedAt)
        let end = c.closedAt.map { CalendarDate($0) } ?? today
        guard end.daysSinceEpoch - start.daysSinceEpoch > interval else { return nil }
        var last = start
        for event in c.events where event.kind == .progressUpdateSent {
            let day = CalendarDate(event.at)
            if day.daysSinceEpoch - last.daysSinceEpoch > interval { return false }
            last = day
        }
        return end.daysSinceEpoch - last.daysSinceEpoch <= interval
    }

    public var csv: CSVTable {
        var table = CSVTable(header: [
            "month", "category", "cases", "interview_kept", "interview_due", "action_plan_kept", "action_plan_due",
            "fortnightly_updates_kept", "fortnightly_updates_due", "closure_notification_kept", "closure_notification_due",
            "interview_kept_on_late_entry", "action_plan_kept_on_late_entry", "closure_notification_kept_on_late_entry",
            "home_visit_kept", "home_visit_due", "female_officer_kept", "female_officer_due",
        ])
        for r in rows {
            table.append([
                r.month, r.category.rawValue, String(r.cases), String(r.interview.kept), String(r.interview.due),
                String(r.actionPlan.kept), String(r.actionPlan.due), String(r.fortnightlyUpdates.kept), String(r.fortnightlyUpdates.due),
                String(r.closureNotification.kept), String(r.closureNotification.due),
                String(r.interview.keptOnLateEntry), String(r.actionPlan.keptOnLateEntry), String(r.closureNotification.keptOnLateEntry),
                String(r.homeVisit.kept), String(r.homeVisit.due), String(r.femaleOfficer.kept), String(r.femaleOfficer.due),
            ])
        }
        return table
    }
}
