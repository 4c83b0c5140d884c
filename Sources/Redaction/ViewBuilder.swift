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
        for (field, attribute, rule) in policy.caseRules {
            if let value = apply(rule, to: attribute.value(c), field: field, policy: policy, today: today, scrubber: &scrubber) {
                fields.append((attribute.rawValue, value))
            }
        }
        if !policy.eventRules.isEmpty && !c.events.isEmpty {
            let events: [ViewValue] = c.events.map { event in
                var members: [(String, ViewValue)] = []
                for (field, attribute, rule) in policy.eventRules {
                    if let value = apply(rule, to: attribute.value(event), field: field, policy: policy, today: today, scrubber: &scrubber) {
                        members.append((attribute.rawValue, value))
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
                    if let value = apply(rule, to: attribute.value(party), field: field, policy: policy, today: today, scrubber: &scrubber) {
                        members.append((attribute.rawValue, value))
                    }
                }
                if members.count > 1 { parties.append(.object(members)) }
            }
            if !parties.isEmpty { fields.append(("parties", .array(parties))) }
        }
        return .object([
            ("case_id", .string(c.id.text)),
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
            return .string(policy.pseudonymiser.token(
                Transforms.normaliseForPseudonym(s, kind: field.kind), namespace: field.pseudonymNamespace, remember: field.kind == .personID
            ))
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
