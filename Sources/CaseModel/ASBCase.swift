import Foundation

/// Whether a case is still being worked.
public enum CaseStatus: String, Codable, Sendable, CaseIterable {
    case open
    case closed
}

/// An anti-social behaviour case: the council's record of one report and what
/// was done about it.
public struct ASBCase: Hashable, Sendable, Codable, Identifiable {
    public var id: UUID
    /// Human-facing reference, e.g. "ASB-2026-000042"; assigned by the store.
    public var reference: String
    public var incidentType: IncidentType
    public var category: Category
    /// Why the category was raised above the one the incident type gives.
    public var categoryReason: String?
    public var channel: ReportChannel
    public var receivedAt: Date
    /// The complainant's police crime or incident reference, when they have one.
    public var policeReference: String?
    public var ward: String
    /// Where it happened; personal data (it may be someone's home).
    public var location: String
    /// The report in the complainant's words; personal data.
    public var narrative: String
    /// Risk or vulnerability flagged by the caseworker.
    public var riskFlag: Bool
    /// Caseworker tags that sharing policies filter on, e.g. "safeguarding" or
    /// "tenant:ealing-homes" (the complainant or perpetrator rents from that landlord).
    public var tags: [String]
    public var parties: [Party]
    public var events: [CaseEvent]
    public var status: CaseStatus
    public var closedAt: Date?
    /// When the case last changed: moves with recording time (an amendment, or an event however back-dated),
    /// so partners polling with `updated_since` see every change.
    public var updatedAt: Date
    /// The store's version of the case, raised by every write; the staff API's `ETag`. Kept by the store
    /// beside the sealed document, not in it (0 for a case not yet stored).
    public var version: Int = 0

    enum CodingKeys: String, CodingKey {
        case id, reference, incidentType, category, categoryReason, channel, receivedAt, policeReference, ward, location
        case narrative, riskFlag, tags, parties, events, status, closedAt, updatedAt
    }

    public init(
        id: UUID = UUID(),
        reference: String = "",
        incidentType: IncidentType,
        channel: ReportChannel,
        receivedAt: Date,
        policeReference: String? = nil,
        ward: String,
        location: String,
        narrative: String,
        riskFlag: Bool = false,
        tags: [String] = [],
        parties: [Party] = []
    ) {
        self.id = id
        self.reference = reference
        self.incidentType = incidentType
        self.category = incidentType.category
        self.channel = channel
        self.receivedAt = receivedAt
        self.policeReference = policeReference
        self.ward = ward
        self.location = location
        self.narrative = narrative
        self.riskFlag = riskFlag
        self.tags = Array(Set(tags)).sorted()
        self.parties = parties
        self.events = []
        self.status = .open
        self.updatedAt = receivedAt
    }

    /// Applies an event, enforcing the case's rules: a closed case takes only its closure notification, a
    /// reopening (with a reason) or a party's removal; the category may only be raised, with a reason.
    /// An event may be back-dated (it is kept in the order of when it happened) but not before the report,
    /// and a change of status never before the case's latest event.
    public mutating func record(_ event: CaseEvent) throws(CaseRuleViolation) {
        if status == .closed
            && ![.closureNotificationSent, .caseReopened, .partyRemoved, .processingRestricted, .restrictionLifted].contains(event.kind)
        {
            throw .caseClosed(event.kind)
        }
        if event.interviewMode != nil && event.kind != .interviewHeld {
            throw .fieldNotAllowed(field: "interview_mode", kind: event.kind)
        }
        if event.category != nil && event.kind != .categoryRaised {
            throw .fieldNotAllowed(field: "category", kind: event.kind)
        }
        if let party = event.party {
            guard event.isRestriction else { throw .fieldNotAllowed(field: "party", kind: event.kind) }
            guard parties.contains(where: { $0.id == party }) else { throw .noSuchParty(party) }
        }
        if event.kind.isLifecycle, let last = events.last, event.at < last.at {
            throw .eventBeforePrevious
        }
        if event.at < receivedAt {
            throw .eventBeforeReceipt
        }
        switch event.kind {
        case .interviewHeld:
            guard event.interviewMode != nil else { throw .missingField(field: "interview_mode", kind: event.kind) }
        case .categoryRaised:
            guard let newCategory = event.category else { throw .missingField(field: "category", kind: event.kind) }
            guard let reason = event.note, !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw .missingField(field: "note", kind: event.kind)
            }
            guard newCategory > category else { throw .categoryNotRaised(from: category, to: newCategory) }
            category = newCategory
            categoryReason = reason
        case .caseClosed:
            status = .closed
            closedAt = event.at
        case .closureNotificationSent:
            guard status == .closed else { throw .notClosed }
            guard !sinceLastClosure.contains(where: { $0.kind == .closureNotificationSent }) else { throw .alreadyNotified }
        case .caseReopened:
            guard status == .closed else { throw .notClosedToReopen }
            guard let reason = event.note, !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw .missingField(field: "note", kind: event.kind)
            }
            status = .open
            closedAt = nil
        case .partyRemoved:
            guard let reason = event.note, !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw .missingField(field: "note", kind: event.kind)
            }
        case .processingRestricted, .restrictionLifted:
            guard let reason = event.note, !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw .missingField(field: "note", kind: event.kind)
            }
            let restricted = event.party.map(isRestricted(party:)) ?? isRestricted
            guard restricted == (event.kind == .restrictionLifted) else {
                throw event.kind == .processingRestricted ? .alreadyRestricted(party: event.party) : .notRestricted(party: event.party)
            }
        default:
            break
        }
        // Kept in the order things happened: a back-dated event goes before the later ones.
        let position = events.lastIndex { $0.at <= event.at }.map { $0 + 1 } ?? 0
        events.insert(event, at: position)
        updatedAt = max(updatedAt, event.recordedAt ?? event.at, event.at)
    }

    /// Whether the case's processing is restricted (UK GDPR Art 18): its latest restriction event restricts it.
    /// Every partner's filter turns it away.
    public var isRestricted: Bool { Self.restricts(events.last { $0.isRestriction && $0.party == nil }) }

    /// Whether one person's data within the case is restricted: withheld from every partner's view, the case
    /// itself still shared.
    public func isRestricted(party id: UUID) -> Bool { Self.restricts(events.last { $0.isRestriction && $0.party == id }) }

    /// The parties whose data is restricted; empty (and cheap) for a case with no restriction events.
    public var restrictedParties: Set<UUID> {
        var withheld = Set<UUID>()
        for event in events where event.isRestriction {
            guard let party = event.party else { continue }
            if event.kind == .processingRestricted { withheld.insert(party) } else { withheld.remove(party) }
        }
        return withheld
    }

    private static func restricts(_ latest: CaseEvent?) -> Bool { latest?.kind == .processingRestricted }

    /// The events after the latest closure (all of them if never closed).
    public var sinceLastClosure: ArraySlice<CaseEvent> {
        guard let index = events.lastIndex(where: { $0.kind == .caseClosed }) else { return events[...] }
        return events[(index + 1)...]
    }

    /// The events since the case was last reopened (all of them if never reopened): the clocks run from here.
    public var sinceLastReopening: ArraySlice<CaseEvent> {
        guard let index = events.lastIndex(where: { $0.kind == .caseReopened }) else { return events[...] }
        return events[index...]
    }

    /// Every flag a sharing policy can filter on: the caseworker's tags, plus
    /// "risk" when the risk flag is set, "vulnerable" when any party has
    /// vulnerability notes, and "police-reference" when there is one.
    public var flags: Set<String> {
        var flags = Set(tags)
        if riskFlag { flags.insert("risk") }
        if parties.contains(where: { $0.vulnerabilityNotes != nil }) { flags.insert("vulnerable") }
        if policeReference != nil { flags.insert("police-reference") }
        return flags
    }

    /// Whether the case has this flag: `flags.contains(flag)` without making the set, for record filters
    /// that run on every case of a bulk pull.
    public func hasFlag(_ flag: String) -> Bool {
        switch flag {
        case "risk" where riskFlag: true
        case "vulnerable" where parties.contains(where: { $0.vulnerabilityNotes != nil }): true
        case "police-reference" where policeReference != nil: true
        default: tags.contains(flag)
        }
    }

    /// A tag is lower-case letters, digits, '-' and at most one ':' (e.g. "tenant:ealing-homes").
    public static func isValidTag(_ tag: String) -> Bool {
        !tag.isEmpty && tag.count <= 64 && tag.filter { $0 == ":" }.count <= 1
            && tag.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == ":" }
    }

    /// The first event of a kind, if any.
    public func first(_ kind: CaseEventKind) -> CaseEvent? {
        events.first { $0.kind == kind }
    }

    /// The last event of a kind, if any.
    public func last(_ kind: CaseEventKind) -> CaseEvent? {
        events.last { $0.kind == kind }
    }
}

/// Why an event cannot be recorded on a case.
public enum CaseRuleViolation: Error, Equatable, Sendable, CustomStringConvertible {
    case caseClosed(CaseEventKind)
    case notClosed
    case alreadyNotified
    case categoryNotRaised(from: Category, to: Category)
    case missingField(field: String, kind: CaseEventKind)
    case fieldNotAllowed(field: String, kind: CaseEventKind)
    case eventBeforePrevious
    case eventBeforeReceipt
    case notClosedToReopen
    case alreadyRestricted(party: UUID?)
    case notRestricted(party: UUID?)
    case noSuchParty(UUID)

    public var description: String {
        switch self {
        case .caseClosed(let kind):
            "the case is closed; it takes no '\(kind.rawValue)' event, only 'closure-notification-sent'"
        case .notClosed:
            "a closure notification needs the case to be closed first"
        case .alreadyNotified:
            "the closure notification has already been recorded"
        case .categoryNotRaised(let from, let to):
            "the category can only be raised: it is \(from.rawValue) and \(to.rawValue) is not more serious"
        case .missingField(let field, let kind):
            "'\(kind.rawValue)' needs '\(field)'"
        case .fieldNotAllowed(let field, let kind):
            "'\(field)' does not belong on a '\(kind.rawValue)' event"
        case .eventBeforePrevious:
            "a change of status cannot be dated before the case's latest event"
        case .notClosedToReopen:
            "only a closed case can be reopened"
        case .alreadyRestricted(let party):
            party.map { "the processing of party \($0.uuidString.lowercased())'s data is restricted already" }
                ?? "the case's processing is restricted already"
        case .notRestricted(let party):
            party.map { "the processing of party \($0.uuidString.lowercased())'s data is not restricted" }
                ?? "the case's processing is not restricted"
        case .noSuchParty(let party):
            "the case has no party \(party.uuidString.lowercased())"
        case .eventBeforeReceipt:
            "the event is dated before the report was received"
        }
    }
}
