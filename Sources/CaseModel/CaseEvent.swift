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
    /// A closed case opened again; the note gives the reason. The clocks that apply resume from here.
    case caseReopened = "case-reopened"
    /// A party recorded in error was removed; the note gives the reason (the party's details are gone).
    case partyRemoved = "party-removed"
    /// The case's processing is restricted (UK GDPR Art 18): it is withheld from every partner until lifted.
    /// Recorded by an IG officer, with the reason.
    case processingRestricted = "processing-restricted"
    case restrictionLifted = "restriction-lifted"

    /// Events that change the case's status or record keeping, which must follow the case's order.
    var isLifecycle: Bool {
        [.caseClosed, .closureNotificationSent, .caseReopened, .processingRestricted, .restrictionLifted].contains(self)
    }

    /// Events recorded other than through the caseworkers' event form: a party's removal, and restrictions.
    public var isRecordedElsewhere: Bool { [.partyRemoved, .processingRestricted, .restrictionLifted].contains(self) }
}

/// How an interview was held; the standards allow telephone or in person.
public enum InterviewMode: String, Codable, Sendable, CaseIterable {
    case phone
    case inPerson = "in-person"
}

/// One entry in a case's history: when it happened (`at`, which may be in the past) and when and by whom it
/// was recorded (`recordedAt`, server time; `author`, published as `recorded_by`).
public struct CaseEvent: Hashable, Sendable, Codable, Identifiable {
    public var id: UUID
    public var kind: CaseEventKind
    public var at: Date
    /// Server time when it was recorded; nil for events recorded before casegate kept it.
    public var recordedAt: Date?
    /// The staff user id of whoever recorded it.
    public var author: String
    /// Free text; personal data, stored encrypted.
    public var note: String?
    /// Set for `interview-held` only.
    public var interviewMode: InterviewMode?
    /// Set for `category-raised` only: the new category.
    public var category: Category?
    /// The party a restriction or its lifting concerns; nil for the whole case.
    public var party: UUID?

    public init(
        id: UUID = UUID(),
        kind: CaseEventKind,
        at: Date,
        recordedAt: Date? = nil,
        author: String,
        note: String? = nil,
        interviewMode: InterviewMode? = nil,
        category: Category? = nil,
        party: UUID? = nil
    ) {
        self.id = id
        self.kind = kind
        self.at = at
        self.recordedAt = recordedAt
        self.author = author
        self.note = note
        self.interviewMode = interviewMode
        self.category = category
        self.party = party
    }
}

extension CaseEvent {
    enum CodingKeys: String, CodingKey {
        case id, kind, at, recordedAt, recordedBy, author, note, interviewMode, category, party
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(UUID.self, forKey: .id)
        kind = try c.decode(CaseEventKind.self, forKey: .kind)
        at = try c.decode(Date.self, forKey: .at)
        recordedAt = try c.decodeIfPresent(Date.self, forKey: .recordedAt)
        // Documents sealed before `recorded_by` name the recorder `author`.
        author = try c.decodeIfPresent(String.self, forKey: .recordedBy) ?? c.decode(String.self, forKey: .author)
        note = try c.decodeIfPresent(String.self, forKey: .note)
        interviewMode = try c.decodeIfPresent(InterviewMode.self, forKey: .interviewMode)
        category = try c.decodeIfPresent(Category.self, forKey: .category)
        party = try c.decodeIfPresent(UUID.self, forKey: .party)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(at, forKey: .at)
        try c.encodeIfPresent(recordedAt, forKey: .recordedAt)
        try c.encode(author, forKey: .recordedBy)
        try c.encodeIfPresent(note, forKey: .note)
        try c.encodeIfPresent(interviewMode, forKey: .interviewMode)
        try c.encodeIfPresent(category, forKey: .category)
        try c.encodeIfPresent(party, forKey: .party)
    }

    /// A restriction of processing or its lifting, of the case or of one party.
    public var isRestriction: Bool { kind == .processingRestricted || kind == .restrictionLifted }

    /// Recorded more than one working day after it happened: the standards it meets were met only on a late entry.
    public func isLateEntry(_ calendar: WorkingDayCalendar) -> Bool {
        guard let recordedAt else { return false }
        return CalendarDate(recordedAt) > calendar.adding(workingDays: 1, to: CalendarDate(at))
    }
}
