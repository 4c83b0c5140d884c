import CaseModel
import Foundation
import Hummingbird
import SharingPolicy

/// `PATCH /v1/cases/{id}`: the fields a caseworker may correct, as a merge patch.
enum CaseAmendmentRequest {
    static let patchable = ["ward", "location", "narrative", "risk_flag", "tags", "police_reference"]
    static let fixed = [
        "id": "a case keeps its id", "reference": "a case keeps its reference",
        "received_at": "when the report came in is fixed at intake",
        "status": "close or reopen the case with an event ('case-closed', 'case-reopened')",
        "category": "raise it with a 'category-raised' event and a reason; it is never lowered",
        "category_reason": "it is the reason given with a 'category-raised' event",
        "incident_type": "it sets the category; record what changed in the narrative",
        "channel": "how the report came in is fixed at intake",
        "parties": "add, amend or remove parties at /v1/cases/{id}/parties",
        "events": "record events at /v1/cases/{id}/events", "closed_at": "it is set by closing the case",
        "updated_at": "it moves with every change", "version": "send it as If-Match instead",
    ]

    static func read(_ request: Request, maxBodyBytes: Int, wards: WardList?) async throws -> CaseAmendment {
        let patch = try await MergePatch.read(request, maxBodyBytes: maxBodyBytes, patchable: patchable, fixed: fixed)
        var amendment = CaseAmendment()
        if let ward = try patch.required("ward", String.self) {
            try CaseFieldRules.ward(ward, wards: wards)
            amendment.ward = ward.trimmed
        }
        if let location = try patch.required("location", String.self) {
            try CaseFieldRules.require(!location.trimmed.isEmpty, "'location' must not be empty")
            amendment.location = location
        }
        if let narrative = try patch.required("narrative", String.self) {
            try CaseFieldRules.narrative(narrative)
            amendment.narrative = narrative
        }
        amendment.riskFlag = try patch.required("risk_flag", Bool.self)
        if let tags = try patch.optional("tags", [String].self).orEmpty {
            try CaseFieldRules.tags(tags)
            amendment.tags = tags
        }
        amendment.policeReference = try patch.optional("police_reference", String.self)
        if case .value(let reference) = amendment.policeReference { try CaseFieldRules.policeReference(reference) }
        return amendment
    }
}

/// `PATCH /v1/cases/{id}/parties/{person_id}`: a correction of one party, as a merge patch.
enum PartyAmendmentRequest {
    static let patchable = ["role", "name", "date_of_birth", "address", "phone", "email", "gender", "vulnerability_notes"]
    static let fixed = ["id": "a party keeps its id (remove one recorded in error, and add the right one)"]

    static func read(_ request: Request, maxBodyBytes: Int, now: Date) async throws -> PartyAmendment {
        let patch = try await MergePatch.read(request, maxBodyBytes: maxBodyBytes, patchable: patchable, fixed: fixed)
        var amendment = PartyAmendment()
        amendment.role = try patch.required("role", PartyRole.self)
        amendment.name = try patch.required("name", String.self)
        amendment.dateOfBirth = try patch.optional("date_of_birth", CalendarDate.self)
        amendment.address = try patch.optional("address", Address.self)
        amendment.phone = try patch.optional("phone", String.self)
        amendment.email = try patch.optional("email", String.self)
        amendment.gender = try patch.optional("gender", String.self)
        amendment.vulnerabilityNotes = try patch.optional("vulnerability_notes", String.self)
        try CaseFieldRules.party(amendment, now: now)
        return amendment
    }
}

/// `DELETE /v1/cases/{id}/parties/{person_id}`: why the party was recorded in error.
struct PartyRemovalRequest: Codable, Sendable {
    var reason: String
}

extension PatchValue {
    /// The value set, if any.
    var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }
}

extension PatchValue where Value == [String] {
    /// Null clears a list: the empty list.
    var orEmpty: [String]? {
        switch self {
        case .absent: nil
        case .null: []
        case .value(let list): list
        }
    }
}
