import CaseModel
import Foundation
import SharingPolicy

/// A partner's view of one case: only what the purpose's rules produce.
public struct PartnerView: Sendable, Equatable {
    public let caseID: UUID
    public let value: ViewValue

    /// The exact bytes sent to the partner.
    public var json: String { value.json }
}

/// Builds partner views: deny by default, every field through its rule.
public enum ViewBuilder {
    /// The view of `c` under `policy`, or nil when the purpose's record filter does not admit the case.
    public static func view(of c: ASBCase, under policy: CompiledPolicy, today: CalendarDate) -> PartnerView? {
        guard policy.purpose.records.admits(c) else { return nil }
        return PartnerView(caseID: c.id, value: build(c, policy, today))
    }

    static func build(_ c: ASBCase, _ policy: CompiledPolicy, _ today: CalendarDate) -> ViewValue {
        var scrubber = policy.needsScrubber ? Scrubber(parties: c.parties) : nil
        var fields: [(String, ViewValue)] = []
        fields.reserveCapacity(policy.caseRules.count + 2)
        for (field, rule) in policy.caseRules {
            if let value = apply(rule, to: caseValue(field.path, c), field: field, policy: policy, today: today, scrubber: &scrubber) {
                fields.append((field.path, value))
            }
        }
        if !policy.eventRules.isEmpty && !c.events.isEmpty {
            let events: [ViewValue] = c.events.map { event in
                var members: [(String, ViewValue)] = []
                for (field, rule) in policy.eventRules {
                    let raw: RawValue = switch field.path {
                    case "events.kind": .text(event.kind.rawValue)
                    case "events.at": .time(event.at)
                    default: event.note.map(RawValue.text) ?? .none
                    }
                    if let value = apply(rule, to: raw, field: field, policy: policy, today: today, scrubber: &scrubber) {
                        members.append((String(field.path.dropFirst("events.".count)), value))
                    }
                }
                return .object(members)
            }
            fields.append(("events", .array(events)))
        }
        if !policy.partyRules.isEmpty {
            var parties: [ViewValue] = []
            for party in c.parties {
                guard let rules = policy.partyRules[party.role] else { continue }
                var members: [(String, ViewValue)] = [("role", .string(party.role.rawValue))]
                for (field, attribute, rule) in rules {
                    if let value = apply(rule, to: partyValue(attribute, party), field: field, policy: policy, today: today, scrubber: &scrubber) {
                        members.append((attribute, value))
                    }
                }
                if members.count > 1 { parties.append(.object(members)) }
            }
            if !parties.isEmpty { fields.append(("parties", .array(parties))) }
        }
        return .object([
            ("case_id", .string(c.id.uuidString)),
            ("partner", .string(policy.partner.id)),
            ("purpose", .string(policy.purpose.id)),
            ("lawful_basis", .string(policy.purpose.lawfulBasis)),
            ("agreement", .string(policy.agreement.reference)),
            ("policy_version", .string(policy.policyVersion)),
            ("case", .object(fields)),
        ])
    }

    /// A field's value before its rule.
    enum RawValue {
        case none
        case text(String)
        case bool(Bool)
        case list([String])
        case time(Date)
        case date(CalendarDate)
        case address(Address)
    }

    static func caseValue(_ path: String, _ c: ASBCase) -> RawValue {
        switch path {
        case "reference": .text(c.reference)
        case "incident_type": .text(c.incidentType.rawValue)
        case "category": .text(c.category.rawValue)
        case "category_reason": c.categoryReason.map(RawValue.text) ?? .none
        case "channel": .text(c.channel.rawValue)
        case "received_at": .time(c.receivedAt)
        case "police_reference": c.policeReference.map(RawValue.text) ?? .none
        case "ward": .text(c.ward)
        case "location": .text(c.location)
        case "narrative": .text(c.narrative)
        case "risk_flag": .bool(c.riskFlag)
        case "tags": .list(c.tags)
        case "status": .text(c.status.rawValue)
        case "closed_at": c.closedAt.map(RawValue.time) ?? .none
        case "updated_at": .time(c.updatedAt)
        default: .none
        }
    }

    static func partyValue(_ attribute: String, _ p: Party) -> RawValue {
        switch attribute {
        case "person_id": .text(p.id.uuidString)
        case "name": .text(p.name)
        case "date_of_birth": p.dateOfBirth.map(RawValue.date) ?? .none
        case "address": p.address.map(RawValue.address) ?? .none
        case "phone": p.phone.map(RawValue.text) ?? .none
        case "email": p.email.map(RawValue.text) ?? .none
        case "gender": p.gender.map(RawValue.text) ?? .none
        case "vulnerability_notes": p.vulnerabilityNotes.map(RawValue.text) ?? .none
        default: .none
        }
    }

    static func apply(
        _ rule: FieldRule, to raw: RawValue, field: CaseField, policy: CompiledPolicy, today: CalendarDate, scrubber: inout Scrubber?
    ) -> ViewValue? {
        if case .none = raw { return nil }
        switch rule {
        case .omit:
            return nil
        case .share:
            return share(raw)
        case .mask(let first, let last):
            guard case .text(let s) = raw else { return nil }
            return .string(Transforms.mask(s, first: first, last: last))
        case .pseudonymise:
            guard case .text(let s) = raw else { return nil }
            let attribute = field.role == nil ? field.path : String(field.path.split(separator: ".")[1])
            return .string(policy.pseudonymiser.token(Transforms.normaliseForPseudonym(s, kind: field.kind), namespace: attribute))
        case .generalise(let level):
            return Transforms.generalise(raw, level, today: today).map(ViewValue.string)
        case .scrub:
            guard case .text(let s) = raw else { return nil }
            return .string(scrubber!.scrub(s))
        }
    }

    static func share(_ raw: RawValue) -> ViewValue? {
        switch raw {
        case .none: nil
        case .text(let s): .string(s)
        case .bool(let b): .bool(b)
        case .list(let items): .array(items.map(ViewValue.string))
        case .time(let t): .string(Transforms.iso8601(t))
        case .date(let d): .string(d.description)
        case .address(let a): .object([("lines", .array(a.lines.map(ViewValue.string))), ("postcode", .string(a.postcode.description))])
        }
    }
}
