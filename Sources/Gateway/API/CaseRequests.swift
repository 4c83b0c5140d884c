import CaseModel
import Foundation

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

    struct NewParty: Codable, Sendable {
        var role: PartyRole
        var name: String
        var dateOfBirth: CalendarDate?
        var address: Address?
        var phone: String?
        var email: String?
        var gender: String?
        var vulnerabilityNotes: String?
    }

    /// Checks what types alone cannot; the messages name fields, never values.
    func validate(now: Date) throws(Problem) {
        func require(_ ok: Bool, _ message: String) throws(Problem) {
            if !ok { throw Problem.badRequest(message) }
        }
        try require(!ward.trimmed.isEmpty, "'ward' must not be empty")
        try require(!location.trimmed.isEmpty, "'location' must not be empty")
        try require(!narrative.trimmed.isEmpty, "'narrative' must not be empty")
        try require(narrative.count <= 20_000, "'narrative' is longer than 20,000 characters")
        try require(parties.contains { $0.role == .complainant }, "'parties' must include the complainant")
        try require(parties.count <= 50, "'parties' has more than 50 entries")
        for tag in tags ?? [] {
            try require(ASBCase.isValidTag(tag), "'tags' must be lower-case words like 'safeguarding' or 'tenant:ealing-homes'")
        }
        if let receivedAt { try require(receivedAt <= now.addingTimeInterval(300), "'received_at' is in the future") }
        if let reference = policeReference {
            try require(!reference.trimmed.isEmpty && reference.count <= 40, "'police_reference' must be 1 to 40 characters")
        }
        for (index, party) in parties.enumerated() {
            let at = "parties[\(index)]"
            try require(!party.name.trimmed.isEmpty, "'\(at).name' must not be empty")
            if let dob = party.dateOfBirth { try require(dob <= CalendarDate(now), "'\(at).date_of_birth' is in the future") }
            if let phone = party.phone {
                try require(
                    phone.allSatisfy { $0.isNumber || " +()-".contains($0) } && phone.filter(\.isNumber).count >= 7,
                    "'\(at).phone' is not a phone number"
                )
            }
            if let email = party.email {
                let parts = email.split(separator: "@")
                try require(parts.count == 2 && parts[1].contains("."), "'\(at).email' is not an email address")
            }
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
                Party(
                    role: $0.role,
                    name: $0.name,
                    dateOfBirth: $0.dateOfBirth,
                    address: $0.address,
                    phone: $0.phone,
                    email: $0.email,
                    gender: $0.gender,
                    vulnerabilityNotes: $0.vulnerabilityNotes
                )
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
        return CaseEvent(kind: kind, at: at, author: author, note: note, interviewMode: interviewMode, category: category)
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
