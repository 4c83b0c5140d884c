import CaseModel
import Foundation
import SharingPolicy

/// `POST /v1/cases`: a new report.
struct NewCaseRequest: Codable, Sendable {
    var incidentType: IncidentType
    var channel: ReportChannel
    /// When the report arrived; now if left out.
    var receivedAt: Date?
    var policeReference: String?
    var ward: String
    var location: String
    var narrative: String
    var riskFlag: Bool?
    var tags: [String]?
    var parties: [NewParty]

    struct NewParty: Codable, Sendable, Equatable {
        var role: PartyRole
        var name: String
        var dateOfBirth: CalendarDate?
        var address: Address?
        var phone: String?
        var email: String?
        var gender: String?
        var vulnerabilityNotes: String?

        func makeParty() -> Party {
            Party(
                role: role,
                name: name,
                dateOfBirth: dateOfBirth,
                address: address,
                phone: phone,
                email: email,
                gender: gender,
                vulnerabilityNotes: vulnerabilityNotes
            )
        }
    }

    /// Checks what types alone cannot; the messages name fields, never values (a ward, which is not
    /// personal, excepted).
    func validate(now: Date, wards: WardList?) throws(Problem) {
        try CaseFieldRules.ward(ward, wards: wards)
        try CaseFieldRules.require(!location.trimmed.isEmpty, "'location' must not be empty")
        try CaseFieldRules.narrative(narrative)
        try CaseFieldRules.require(parties.contains { $0.role == .complainant }, "'parties' must include the complainant")
        try CaseFieldRules.require(parties.count <= 50, "'parties' has more than 50 entries")
        try CaseFieldRules.tags(tags ?? [])
        if let receivedAt { try CaseFieldRules.require(receivedAt <= now.addingTimeInterval(300), "'received_at' is in the future") }
        if let reference = policeReference { try CaseFieldRules.policeReference(reference) }
        for (index, party) in parties.enumerated() {
            try CaseFieldRules.party(
                at: "parties[\(index)].",
                name: party.name,
                dateOfBirth: party.dateOfBirth,
                phone: party.phone,
                email: party.email,
                now: now
            )
        }
    }

    func makeCase(now: Date) -> ASBCase {
        ASBCase(
            incidentType: incidentType,
            channel: channel,
            receivedAt: receivedAt ?? now,
            policeReference: policeReference,
            ward: ward.trimmed,
            location: location,
            narrative: narrative,
            riskFlag: riskFlag ?? false,
            tags: tags ?? [],
            parties: parties.map {
                $0.makeParty()
            }
        )
    }
}

/// `POST /v1/cases/{id}/events`: something done on a case.
struct NewEventRequest: Codable, Sendable {
    var kind: CaseEventKind
    /// When it happened; now if left out.
    var at: Date?
    var note: String?
    var interviewMode: InterviewMode?
    var category: Category?

    func makeEvent(author: String, now: Date) throws(Problem) -> CaseEvent {
        let at = self.at ?? now
        if at > now.addingTimeInterval(300) { throw Problem.badRequest("'at' is in the future") }
        if let note, note.count > 10_000 { throw Problem.badRequest("'note' is longer than 10,000 characters") }
        return CaseEvent(kind: kind, at: at, recordedAt: now, author: author, note: note, interviewMode: interviewMode, category: category)
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
