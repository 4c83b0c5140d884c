import ByteEncoding
import CaseModel
import Crypto
import SharingPolicy

/// One field's rule, resolved: the attribute to read, the rule, and where the member's key (`"name":`)
/// is in the policy's key bytes. Plain values only, so walking the rules retains nothing.
struct CompiledRule<Attribute: Sendable>: Sendable {
    let attribute: Attribute
    let rule: FieldRule
    let kind: FieldKind
    /// Index into `CompiledPolicy.namespaces`.
    let namespace: Int
    let key: Range<Int>
}

/// Builds the rules' shared tables while a policy compiles.
private struct RuleTables {
    var keys: [UInt8] = []
    var namespaces: [String] = []

    mutating func rule<A>(_ field: CaseField, _ attribute: A, _ rule: FieldRule, name: String) -> CompiledRule<A> {
        let start = keys.count
        JSONString.append(name, to: &keys)
        keys.append(UInt8(ascii: ":"))
        let namespace = namespaces.firstIndex(of: field.pseudonymNamespace) ?? namespaces.count
        if namespace == namespaces.count { namespaces.append(field.pseudonymNamespace) }
        return CompiledRule(attribute: attribute, rule: rule, kind: field.kind, namespace: namespace, key: start..<keys.count)
    }
}

/// One partner purpose, compiled once so building a view walks plain arrays
/// and switches on enums: no rule text is parsed on the disclosure path.
///
/// A class, immutable: the disclosure path hands a purpose from the policy snapshot to the view cache's
/// key, the view and the ledger's draft, and a struct's copy retained each of its arrays and strings.
public final class CompiledPolicy: Sendable {
    public let partner: Partner
    public let purpose: Purpose
    public let agreement: SharingAgreement
    public let policyVersion: String
    let pseudonymiser: Pseudonymiser
    /// Case-level rules in catalogue order; fields whose rule is omit are left out.
    let caseRules: [CompiledRule<CaseAttribute>]
    let eventRules: [CompiledRule<EventAttribute>]
    /// Party rules by role, in catalogue order, omit left out.
    let partyRules: [[CompiledRule<PartyAttribute>]]
    /// Whether any role has a party rule.
    let hasPartyRules: Bool
    /// Every rule's key, back to back.
    let keys: [UInt8]
    let namespaces: [String]
    /// Every view's members after its case id, up to the opening of its "case" object, as JSON.
    let header: [UInt8]
    /// Whether any rule scrubs, so the scrubber is only built when needed.
    let needsScrubber: Bool
    /// The fields this purpose discloses, with their rules: what the ledger records.
    public let disclosedFields: [(path: String, rule: FieldRule)]
    /// This purpose's position in its set's `all`, so whoever keeps something per compiled purpose
    /// (the gateway's encoded ledger field lists) finds it by index, hashing nothing.
    public let ordinal: Int

    public init(policy: PartnerPolicy, purpose: Purpose, policyVersion: String, pseudonymRoot: SymmetricKey, ordinal: Int = 0) {
        self.ordinal = ordinal
        self.partner = policy.partner
        self.purpose = purpose
        self.agreement = policy.agreement
        self.policyVersion = policyVersion
        self.pseudonymiser = Pseudonymiser(root: pseudonymRoot, partnerID: policy.partner.id)
        var tables = RuleTables()
        var caseRules: [CompiledRule<CaseAttribute>] = []
        var disclosedCase: [(String, FieldRule)] = []
        var disclosedEvents: [(String, FieldRule)] = []
        var disclosedParties: [PartyRole: [(String, FieldRule)]] = [:]
        var eventRules: [CompiledRule<EventAttribute>] = []
        var partyRules: [PartyRole: [CompiledRule<PartyAttribute>]] = [:]
        var scrubs = false
        for field in CaseFieldCatalogue.all {
            let rule = purpose.rule(for: field).rule
            if rule == .omit { continue }
            if rule == .scrub { scrubs = true }
            // The catalogue and these enums name the same fields; a mismatch is a programming error caught by the tests.
            let last = String(field.path.split(separator: ".").last!)
            if let role = field.role {
                partyRules[role, default: []].append(tables.rule(field, PartyAttribute(rawValue: last)!, rule, name: last))
                disclosedParties[role, default: []].append((field.path, rule))
            } else if field.path.hasPrefix("events.") {
                eventRules.append(tables.rule(field, EventAttribute(rawValue: last)!, rule, name: last))
                disclosedEvents.append((field.path, rule))
            } else {
                caseRules.append(tables.rule(field, CaseAttribute(rawValue: field.path)!, rule, name: field.path))
                disclosedCase.append((field.path, rule))
            }
        }
        self.caseRules = caseRules
        self.eventRules = eventRules
        self.partyRules = PartyRole.allCases.map { partyRules[$0] ?? [] }
        self.hasPartyRules = !partyRules.isEmpty
        self.needsScrubber = scrubs
        self.keys = tables.keys
        self.namespaces = tables.namespaces
        var header: [UInt8] = []
        for (key, value) in [
            ("partner", policy.partner.id), ("purpose", purpose.id), ("lawful_basis", purpose.lawfulBasis),
            ("agreement", policy.agreement.reference), ("policy_version", policyVersion),
        ] {
            header.append(UInt8(ascii: ","))
            JSONString.append(key, to: &header)
            header.append(UInt8(ascii: ":"))
            JSONString.append(value, to: &header)
        }
        header.append(",\"case\":{")
        self.header = header
        let disclosed = disclosedCase + disclosedEvents + PartyRole.allCases.flatMap { disclosedParties[$0] ?? [] }
        self.disclosedFields = disclosed
    }
}

/// Every partner purpose of a policy set, compiled, with the pseudonym root bound in.
public struct CompiledPolicySet: Sendable {
    public let policySet: PolicySet
    /// Every compiled purpose, each at its `ordinal`.
    public let all: [CompiledPolicy]
    private let compiled: [String: [String: CompiledPolicy]]

    public init(_ set: PolicySet, pseudonymRoot: SymmetricKey) {
        self.policySet = set
        var all: [CompiledPolicy] = []
        var compiled: [String: [String: CompiledPolicy]] = [:]
        for policy in set.policies {
            for purpose in policy.purposes {
                let one = CompiledPolicy(
                    policy: policy,
                    purpose: purpose,
                    policyVersion: set.version,
                    pseudonymRoot: pseudonymRoot,
                    ordinal: all.count
                )
                all.append(one)
                compiled[policy.partner.id, default: [:]][purpose.id] = one
            }
        }
        self.all = all
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

extension PartyRole {
    /// The role's position in `allCases`: party rules are kept in an array, so finding a party's rules hashes nothing.
    var ordinal: Int {
        switch self {
        case .complainant: 0
        case .victim: 1
        case .witness: 2
        case .allegedPerpetrator: 3
        }
    }
}
