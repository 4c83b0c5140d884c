import CaseModel
import SharingPolicy

/// The statutory time to answer a subject access request: one calendar month from receipt (UK GDPR Art 12(3));
/// where the next month has no such day, the last day of that month.
public enum SubjectAccessDeadline {
    public static func due(receivedOn day: CalendarDate) -> CalendarDate {
        RetentionSchedule.Period(amount: 1, unit: .months).added(to: day)
    }
}
