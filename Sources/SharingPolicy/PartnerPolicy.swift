import CaseModel

/// The information sharing agreement behind a partner's access, with the
/// elements the ICO data sharing code of practice expects.
public struct SharingAgreement: Sendable, Hashable, Encodable {
    public var reference: String
    public var purpose: String
    public var organisations: [String]
    public var dataItems: [String]
    public var lawfulBasis: String
    public var specialCategoryData: Bool
    public var criminalOffenceData: Bool
    public var recipientRetention: String
    /// After this day the agreement has lapsed and the partner gets nothing.
    public var reviewDate: CalendarDate

    public func isInForce(on day: CalendarDate) -> Bool { day <= reviewDate }
}

/// Which cases a purpose may see. Every criterion that is set must hold;
/// within a criterion, any listed value will do.
public struct RecordFilter: Sendable, Hashable, Encodable {
    public var categories: Set<Category>?
    public var statuses: Set<CaseStatus>?
    public var wards: Set<String>?
    /// The case must carry at least one of these flags (see `ASBCase.flags`).
    public var flags: Set<String>?
    /// The case must have at least one party in one of these roles.
    public var parties: Set<PartyRole>?

    public init(
        categories: Set<Category>? = nil,
        statuses: Set<CaseStatus>? = nil,
        wards: Set<String>? = nil,
        flags: Set<String>? = nil,
        parties: Set<PartyRole>? = nil
    ) {
        self.categories = categories
        self.statuses = statuses
        self.wards = wards
        self.flags = flags
        self.parties = parties
    }

    /// The same answer as `rejection(of:) == nil`, without making any text or set: it runs on every case
    /// of every disclosure.
    /// Whether the filter admits the case. A case whose processing is restricted (UK GDPR Art 18) is admitted by none.
    public func admits(_ c: ASBCase) -> Bool {
        if c.isRestricted { return false }
        if let categories, !categories.contains(where: { $0 == c.category }) { return false }
        if let statuses, !statuses.contains(where: { $0 == c.status }) { return false }
        if let wards, !wards.contains(c.ward) { return false }
        if let flags, !flags.contains(where: c.hasFlag) { return false }
        if let parties, !c.parties.contains(where: { party in parties.contains(where: { $0 == party.role }) }) { return false }
        return true
    }

    /// Why the filter turns the case away, or nil when it admits it.
    public func rejection(of c: ASBCase) -> String? {
        if c.isRestricted { return "the case's processing is restricted" }
        if let categories, !categories.contains(c.category) {
            return "category \(c.category.rawValue) is not in \(sorted(categories.map(\.rawValue)))"
        }
        if let statuses, !statuses.contains(c.status) { return "status \(c.status.rawValue) is not in \(sorted(statuses.map(\.rawValue)))" }
        if let wards, !wards.contains(c.ward) { return "ward '\(c.ward)' is not in \(sorted(Array(wards)))" }
        if let flags, flags.isDisjoint(with: c.flags) { return "the case has none of the flags \(sorted(Array(flags)))" }
        if let parties, !c.parties.contains(where: { parties.contains($0.role) }) {
            return "the case has no party in the roles \(sorted(parties.map(\.rawValue)))"
        }
        return nil
    }

    /// What the filter asks for, in words, for `policy explain`.
    public var summary: String {
        var parts: [String] = []
        if let categories { parts.append("category in \(sorted(categories.map(\.rawValue)))") }
        if let statuses { parts.append("status in \(sorted(statuses.map(\.rawValue)))") }
        if let wards { parts.append("ward in \(sorted(Array(wards)))") }
        if let flags { parts.append("any flag of \(sorted(Array(flags)))") }
        if let parties { parts.append("a party in the roles \(sorted(parties.map(\.rawValue)))") }
        return parts.isEmpty ? "every case" : parts.joined(separator: ", ")
    }

    private func sorted(_ values: [String]) -> String { values.sorted().joined(separator: ", ") }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(categories.map { $0.map(\.rawValue).sorted() }, forKey: .categories)
        try c.encodeIfPresent(statuses.map { $0.map(\.rawValue).sorted() }, forKey: .statuses)
        try c.encodeIfPresent(wards.map { $0.sorted() }, forKey: .wards)
        try c.encodeIfPresent(flags.map { $0.sorted() }, forKey: .flags)
        try c.encodeIfPresent(parties.map { $0.map(\.rawValue).sorted() }, forKey: .parties)
    }

    enum CodingKeys: String, CodingKey { case categories, statuses, wards, flags, parties }
}

/// One purpose a partner may receive data for, with its justification and field rules.
public struct Purpose: Sendable, Hashable, Encodable {
    public var id: String
    public var lawfulBasis: String
    public var records: RecordFilter
    /// Rules named in the file, by field path.
    public var rules: [String: FieldRule]
    /// The rule for every field not named; nil means omit.
    public var defaultRule: FieldRule?

    /// The rule that applies to a field, and whether the file named it or it fell to the default.
    public func rule(for field: CaseField) -> (rule: FieldRule, explicit: Bool) {
        if let rule = rules[field.path] { return (rule, true) }
        return (defaultRule ?? .omit, false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(lawfulBasis, forKey: .lawfulBasis)
        try c.encode(records, forKey: .records)
        try c.encode(rules.mapValues(\.description), forKey: .rules)
        try c.encodeIfPresent(defaultRule?.description, forKey: .defaultRule)
    }

    enum CodingKeys: String, CodingKey { case id, lawfulBasis, records, rules, defaultRule }
}

/// Everything one partner file says.
public struct PartnerPolicy: Sendable, Hashable, Encodable {
    public var partner: Partner
    public var agreement: SharingAgreement
    public var purposes: [Purpose]
    /// The file it came from, for messages.
    public var file: String

    public func purpose(_ id: String?) -> Purpose? {
        guard let id else { return purposes.count == 1 ? purposes[0] : nil }
        return purposes.first { $0.id == id }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(partner.id, forKey: .partner)
        try c.encode(partner.name, forKey: .name)
        try c.encodeIfPresent(partner.certificateOrganisation, forKey: .organisation)
        try c.encode(partner.certificateFingerprints.sorted(), forKey: .fingerprints)
        // Left out when empty or absent, so a set without partner CAs keeps the version it had.
        if !partner.subjectAltNames.isEmpty { try c.encode(partner.subjectAltNames.sorted(), forKey: .subjectAltNames) }
        try c.encodeIfPresent(partner.trustAnchor?.fingerprint, forKey: .ca)
        try c.encode(agreement, forKey: .agreement)
        try c.encode(purposes, forKey: .purposes)
    }

    enum CodingKeys: String, CodingKey {
        case partner, name, organisation, fingerprints, agreement, purposes, ca
        case subjectAltNames = "subject_alt_names"
    }
}
