import Foundation

/// What happened on a case, as the service standards name it.
public enum CaseEventKind: String, Codable, Sendable, CaseIterable {
    case interviewHeld = "interview-held"
    case actionPlanAgreed = "action-plan-agreed"
    case progressUpdateSent = "progress-update-sent"
    case homeVisitOffered = "home-visit-offered"
    case homeVisitRequested = "home-visit-requested"
    case homeVisitHeld = "home-visit-held"
    case femaleOfficerRequested = "female-officer-requested"
    case femaleOfficerAssigned = "female-officer-assigned"
    case categoryRaised = "category-raised"
    case caseClosed = "case-closed"
    case closureNotificationSent = "closure-notification-sent"
}

/// How an interview was held; the standards allow telephone or in person.
public enum InterviewMode: String, Codable, Sendable, CaseIterable {
    case phone
    case inPerson = "in-person"
}

/// One entry in a case's history.
public struct CaseEvent: Hashable, Sendable, Codable, Identifiable {
    public var id: UUID
    public var kind: CaseEventKind
    public var at: Date
    /// The staff user id of whoever recorded it.
    public var author: String
    /// Free text; personal data, stored encrypted.
    public var note: String?
    /// Set for `interview-held` only.
    public var interviewMode: InterviewMode?
    /// Set for `category-raised` only: the new category.
    public var category: Category?

    public init(
        id: UUID = UUID(),
        kind: CaseEventKind,
        at: Date,
        author: String,
        note: String? = nil,
        interviewMode: InterviewMode? = nil,
        category: Category? = nil
    ) {
        self.id = id
        self.kind = kind
        self.at = at
        self.author = author
        self.note = note
        self.interviewMode = interviewMode
        self.category = category
    }
}
