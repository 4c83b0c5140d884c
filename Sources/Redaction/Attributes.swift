import ByteEncoding
import CaseModel
import Foundation

/// Case fields as enum cases, resolved from their paths when a policy is
/// compiled, so building a view switches on integers rather than strings.
enum CaseAttribute: String, CaseIterable, Sendable {
    case reference
    case incidentType = "incident_type"
    case category
    case categoryReason = "category_reason"
    case channel
    case receivedAt = "received_at"
    case policeReference = "police_reference"
    case ward, location, narrative
    case riskFlag = "risk_flag"
    case tags, status
    case closedAt = "closed_at"
    case updatedAt = "updated_at"

    func value(_ c: ASBCase) -> ViewBuilder.RawValue {
        switch self {
        case .reference: .text(c.reference)
        case .incidentType: .enumeration(c.incidentType.rawValue)
        case .category: .enumeration(c.category.rawValue)
        case .categoryReason: c.categoryReason.map(ViewBuilder.RawValue.text) ?? .none
        case .channel: .enumeration(c.channel.rawValue)
        case .receivedAt: .time(c.receivedAt)
        case .policeReference: c.policeReference.map(ViewBuilder.RawValue.text) ?? .none
        case .ward: .text(c.ward)
        case .location: .text(c.location)
        case .narrative: .text(c.narrative)
        case .riskFlag: .bool(c.riskFlag)
        case .tags: .list(c.tags)
        case .status: .enumeration(c.status.rawValue)
        case .closedAt: c.closedAt.map(ViewBuilder.RawValue.time) ?? .none
        case .updatedAt: .time(c.updatedAt)
        }
    }
}

enum EventAttribute: String, CaseIterable, Sendable {
    case kind, at, note

    func value(_ e: CaseEvent) -> ViewBuilder.RawValue {
        switch self {
        case .kind: .enumeration(e.kind.rawValue)
        case .at: .time(e.at)
        case .note: e.note.map(ViewBuilder.RawValue.text) ?? .none
        }
    }
}

enum PartyAttribute: String, CaseIterable, Sendable {
    case personID = "person_id"
    case name
    case dateOfBirth = "date_of_birth"
    case address, phone, email, gender
    case vulnerabilityNotes = "vulnerability_notes"

    func value(_ p: Party) -> ViewBuilder.RawValue {
        switch self {
        case .personID: .id(p.id)
        case .name: .text(p.name)
        case .dateOfBirth: p.dateOfBirth.map(ViewBuilder.RawValue.date) ?? .none
        case .address: p.address.map(ViewBuilder.RawValue.address) ?? .none
        case .phone: p.phone.map(ViewBuilder.RawValue.text) ?? .none
        case .email: p.email.map(ViewBuilder.RawValue.text) ?? .none
        case .gender: p.gender.map(ViewBuilder.RawValue.text) ?? .none
        case .vulnerabilityNotes: p.vulnerabilityNotes.map(ViewBuilder.RawValue.text) ?? .none
        }
    }
}
