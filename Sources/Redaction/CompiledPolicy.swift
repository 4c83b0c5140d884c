import CaseModel
import Crypto
import SharingPolicy

/// One partner purpose, compiled once so building a view walks plain arrays
/// and switches on enums: no rule text is parsed on the disclosure path.
public struct CompiledPolicy: Sendable {
    public let partner: Partner
    public let purpose: Purpose
    public let agreement: SharingAgreement
    public let policyVersion: String
    let pseudonymiser: Pseudonymiser
    /// Case-level rules in catalogue order; fields whose rule is omit are left out.
    let caseRules: [(field: CaseField, attribute: CaseAttribute, rule: FieldRule)]
    let eventRules: [(field: CaseField, attribute: EventAttribute, rule: FieldRule)]
    /// Party rules by role, in catalogue order, omit left out.
    let partyRules: [PartyRole: [(field: CaseField, attribute: PartyAttribute, rule: FieldRule)]]
    /// Whether any rule scrubs, so the scrubber is only built when needed.
    let needsScrubber: Bool
    /// The fields this purpose discloses, with their rules: what the ledger records.
    public let disclosedFields: [(path: String, rule: FieldRule)]
    /// The same, with each rule as the text the ledger stores; made once here, not per disclosure.
    public let disclosedFieldTexts: [(path: String, rule: String)]

    public init(policy: PartnerPolicy, purpose: Purpose, policyVersion: String, masterKey: SymmetricKey) {
        self.partner = policy.partner
        self.purpose = purpose
        self.agreement = policy.agreement
        self.policyVersion = policyVersion
        self.pseudonymiser = Pseudonymiser(masterKey: masterKey, partnerID: policy.partner.id)
        var caseRules: [(CaseField, CaseAttribute, FieldRule)] = []
        var eventRules: [(CaseField, EventAttribute, FieldRule)] = []
        var partyRules: [PartyRole: [(CaseField, PartyAttribute, FieldRule)]] = [:]
        var scrubs = false
        for field in CaseFieldCatalogue.all {
            let rule = purpose.rule(for: field).rule
            if rule == .omit { continue }
            if rule == .scrub { scrubs = true }
            // The catalogue and these enums name the same fields; a mismatch is a programming error caught by the tests.
            let last = String(field.path.split(separator: ".").last!)
            if let role = field.role {
                partyRules[role, default: []].append((field, PartyAttribute(rawValue: last)!, rule))
            } else if field.path.hasPrefix("events.") {
                eventRules.append((field, EventAttribute(rawValue: last)!, rule))
            } else {
                caseRules.append((field, CaseAttribute(rawValue: field.path)!, rule))
            }
        }
        self.caseRules = caseRules
        self.eventRules = eventRules
        self.partyRules = partyRules
        self.needsScrubber = scrubs
        let disclosed = caseRules.map { ($0.0.path, $0.2) } + eventRules.map { ($0.0.path, $0.2) }
            + PartyRole.allCases.flatMap { role in (partyRules[role] ?? []).map { ($0.0.path, $0.2) } }
        self.disclosedFields = disclosed
        self.disclosedFieldTexts = disclosed.map { ($0.0, $0.1.description) }
    }
}

/// Every partner purpose of a policy set, compiled, with the master key bound in.
public struct CompiledPolicySet: Sendable {
    public let policySet: PolicySet
    private let compiled: [String: [String: CompiledPolicy]]

    public init(_ set: PolicySet, masterKey: SymmetricKey) {
        self.policySet = set
        var compiled: [String: [String: CompiledPolicy]] = [:]
        for policy in set.policies {
            for purpose in policy.purposes {
                compiled[policy.partner.id, default: [:]][purpose.id] = CompiledPolicy(
                    policy: policy, purpose: purpose, policyVersion: set.version, masterKey: masterKey
                )
            }
        }
        self.compiled = compiled
    }

    public var version: String { policySet.version }

    /// The compiled purpose; with no purpose named, the partner's only purpose.
    public func policy(partner: String, purpose: String?) -> CompiledPolicy? {
        guard let purposes = compiled[partner] else { return nil }
        if let purpose { return purposes[purpose] }
        return purposes.count == 1 ? purposes.values.first : nil
    }

    public func purposes(of partner: String) -> [String] {
        policySet.policy(for: partner)?.purposes.map(\.id) ?? []
    }
}
