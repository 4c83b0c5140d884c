import CaseModel
import Foundation
import SharingPolicy

/// Reads the casework pages' forms into the staff API's requests, so a form and an API call are checked by
/// the same rules. Each failure names the form field, for the error summary and the message beside it.
enum CaseworkForms {
    /// A form field that could not be read: its name and what is wrong.
    struct FieldError: Error {
        var field: String
        var message: String
    }

    static func text(_ fields: [String: String], _ name: String) -> String? {
        let value = (fields[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    static func choice<T: RawRepresentable<String>>(_ fields: [String: String], _ name: String, _ type: T.Type, label: String) throws -> T {
        guard let value = text(fields, name).flatMap(T.init(rawValue:)) else { throw FieldError(field: name, message: "Choose \(label)") }
        return value
    }

    /// `datetime-local` input, in London time.
    static func time(_ fields: [String: String], _ name: String) throws -> Date? {
        guard let value = text(fields, name) else { return nil }
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_GB_POSIX")
        format.timeZone = TimeZone(identifier: "Europe/London")
        for pattern in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            format.dateFormat = pattern
            if let date = format.date(from: value) { return date }
        }
        throw FieldError(field: name, message: "Enter a date and time, such as 2026-12-04 14:30")
    }

    static func day(_ fields: [String: String], _ name: String) throws -> CalendarDate? {
        guard let value = text(fields, name) else { return nil }
        guard let date = CalendarDate(value) else { throw FieldError(field: name, message: "Enter a date, such as 1980-05-02") }
        return date
    }

    static func tags(_ fields: [String: String], _ name: String) -> [String] {
        (fields[name] ?? "").split { $0 == "," || $0 == " " || $0 == "\n" }.map { String($0).lowercased() }
    }

    static func address(_ fields: [String: String], prefix: String) throws -> Address? {
        guard let line = text(fields, prefix + "address") else { return nil }
        guard let postcodeText = text(fields, prefix + "postcode") else {
            throw FieldError(field: prefix + "postcode", message: "Enter the postcode of the address")
        }
        guard let postcode = Postcode(postcodeText) else {
            throw FieldError(field: prefix + "postcode", message: "Enter a UK postcode, such as W5 2HL")
        }
        return Address(lines: [line], postcode: postcode)
    }

    /// The report form: the case and its complainant, and the alleged perpetrator when named.
    static func newCase(_ fields: [String: String]) throws -> NewCaseRequest {
        var parties = [try party(fields, prefix: "complainant-", role: .complainant)]
        if let name = text(fields, "other-name") { parties.append(.init(role: .allegedPerpetrator, name: name)) }
        return NewCaseRequest(
            incidentType: try choice(fields, "incident_type", IncidentType.self, label: "what happened"),
            channel: try choice(fields, "channel", ReportChannel.self, label: "how the report came in"),
            receivedAt: try time(fields, "received_at"),
            policeReference: text(fields, "police_reference"),
            ward: text(fields, "ward") ?? "",
            location: text(fields, "location") ?? "",
            narrative: text(fields, "narrative") ?? "",
            riskFlag: fields["risk_flag"] == "yes",
            tags: tags(fields, "tags"),
            parties: parties
        )
    }

    static func party(_ fields: [String: String], prefix: String, role: PartyRole? = nil) throws -> NewCaseRequest.NewParty {
        NewCaseRequest.NewParty(
            role: try role ?? choice(fields, prefix + "role", PartyRole.self, label: "the party's role"),
            name: text(fields, prefix + "name") ?? "",
            dateOfBirth: try day(fields, prefix + "date_of_birth"),
            address: try address(fields, prefix: prefix),
            phone: text(fields, prefix + "phone"),
            email: text(fields, prefix + "email"),
            gender: text(fields, prefix + "gender"),
            vulnerabilityNotes: text(fields, prefix + "vulnerability_notes")
        )
    }

    static func event(_ fields: [String: String]) throws -> NewEventRequest {
        let kind = try choice(fields, "kind", CaseEventKind.self, label: "what was done")
        return NewEventRequest(
            kind: kind,
            at: try time(fields, "at"),
            note: text(fields, "note"),
            interviewMode: kind == .interviewHeld
                ? try choice(fields, "interview_mode", InterviewMode.self, label: "how the interview was held") : nil,
            category: kind == .categoryRaised ? try choice(fields, "category", Category.self, label: "the new category") : nil
        )
    }

    /// The amendment form carries every field with its current value; only what differs is a change.
    static func amendment(_ fields: [String: String], wards: WardList?) throws -> CaseAmendment {
        let ward = text(fields, "ward") ?? ""
        let location = text(fields, "location") ?? ""
        let narrative = text(fields, "narrative") ?? ""
        try CaseFieldRules.ward(ward, wards: wards)
        try CaseFieldRules.require(!location.isEmpty, "'location' must not be empty")
        try CaseFieldRules.narrative(narrative)
        let tags = tags(fields, "tags")
        try CaseFieldRules.tags(tags)
        let reference = text(fields, "police_reference")
        if let reference { try CaseFieldRules.policeReference(reference) }
        return CaseAmendment(
            ward: ward,
            location: location,
            narrative: narrative,
            riskFlag: fields["risk_flag"] == "yes",
            tags: tags,
            policeReference: reference.map { .value($0) } ?? .null
        )
    }

    /// The party form carries every detail; an empty one is removed.
    static func partyAmendment(_ fields: [String: String]) throws -> PartyAmendment {
        var amendment = PartyAmendment()
        amendment.role = try choice(fields, "role", PartyRole.self, label: "the party's role")
        amendment.name = text(fields, "name") ?? ""
        func optional<T>(_ value: T?) -> PatchValue<T> { value.map { .value($0) } ?? .null }
        amendment.dateOfBirth = optional(try day(fields, "date_of_birth"))
        amendment.address = optional(try address(fields, prefix: ""))
        amendment.phone = optional(text(fields, "phone"))
        amendment.email = optional(text(fields, "email"))
        amendment.gender = optional(text(fields, "gender"))
        amendment.vulnerabilityNotes = optional(text(fields, "vulnerability_notes"))
        return amendment
    }

    /// The form field a problem's detail names: its first quoted word ('narrative', 'parties[0].phone').
    static func field(of detail: String) -> String? {
        guard let start = detail.firstIndex(of: "'") else { return nil }
        let rest = detail[detail.index(after: start)...]
        guard let end = rest.firstIndex(of: "'") else { return nil }
        let name = String(rest[..<end])
        if name.hasPrefix("parties[0].") { return "complainant-" + name.dropFirst("parties[0].".count) }
        return name
    }
}
