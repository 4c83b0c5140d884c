import Foundation

/// One field of a merge patch (RFC 7396): left out, set to null (removed), or set to a value.
public enum PatchValue<Value: Sendable & Equatable>: Sendable, Equatable {
    case absent
    case null
    case value(Value)
}

/// What a caseworker may correct or complete on a case after intake. The category changes only by a
/// `category-raised` event, and the status by closing or reopening.
public struct CaseAmendment: Sendable, Equatable {
    public var ward: String?
    public var location: String?
    public var narrative: String?
    public var riskFlag: Bool?
    public var tags: [String]?
    public var policeReference: PatchValue<String> = .absent

    public init(
        ward: String? = nil,
        location: String? = nil,
        narrative: String? = nil,
        riskFlag: Bool? = nil,
        tags: [String]? = nil,
        policeReference: PatchValue<String> = .absent
    ) {
        self.ward = ward
        self.location = location
        self.narrative = narrative
        self.riskFlag = riskFlag
        self.tags = tags
        self.policeReference = policeReference
    }
}

/// A correction of one party's details; null removes an optional detail.
public struct PartyAmendment: Sendable, Equatable {
    public var role: PartyRole?
    public var name: String?
    public var dateOfBirth: PatchValue<CalendarDate> = .absent
    public var address: PatchValue<Address> = .absent
    public var phone: PatchValue<String> = .absent
    public var email: PatchValue<String> = .absent
    public var gender: PatchValue<String> = .absent
    public var vulnerabilityNotes: PatchValue<String> = .absent

    public init() {}
}

/// Why an amendment cannot be made.
public enum AmendmentViolation: Error, Equatable, Sendable, CustomStringConvertible {
    case noSuchParty(UUID)
    /// The change would leave the case without its complainant.
    case complainantRequired

    public var description: String {
        switch self {
        case .noSuchParty(let id): "the case has no party \(id.uuidString.lowercased())"
        case .complainantRequired: "a case keeps its complainant: change another party, or correct the complainant's details"
        }
    }
}

extension ASBCase {
    /// Applies the amendment; returns the paths (JSON Pointer, RFC 6901) of the fields it changed, never their
    /// values. A field set to the value it has is not a change.
    public mutating func amend(_ amendment: CaseAmendment, at now: Date) -> [String] {
        var changed: [String] = []
        func set<T: Equatable>(_ path: String, _ field: inout T, _ value: T?) {
            guard let value, value != field else { return }
            field = value
            changed.append(path)
        }
        set("/ward", &ward, amendment.ward)
        set("/location", &location, amendment.location)
        set("/narrative", &narrative, amendment.narrative)
        set("/risk_flag", &riskFlag, amendment.riskFlag)
        set("/tags", &tags, amendment.tags.map { Array(Set($0)).sorted() })
        switch amendment.policeReference {
        case .absent: break
        case .null: set("/police_reference", &policeReference, .some(nil))
        case .value(let reference): set("/police_reference", &policeReference, .some(reference))
        }
        if !changed.isEmpty { updatedAt = max(updatedAt, now) }
        return changed
    }

    /// Adds a party; returns the changed path.
    public mutating func addParty(_ party: Party, at now: Date) -> [String] {
        parties.append(party)
        updatedAt = max(updatedAt, now)
        return ["/parties/\(party.id.uuidString.lowercased())"]
    }

    /// Corrects one party; returns the paths of the fields it changed.
    public mutating func amendParty(_ id: UUID, _ amendment: PartyAmendment, at now: Date) throws(AmendmentViolation) -> [String] {
        guard let index = parties.firstIndex(where: { $0.id == id }) else { throw .noSuchParty(id) }
        var party = parties[index]
        let prefix = "/parties/\(id.uuidString.lowercased())"
        var changed: [String] = []
        func set<T: Equatable>(_ name: String, _ field: inout T, _ value: T?) {
            guard let value, value != field else { return }
            field = value
            changed.append("\(prefix)/\(name)")
        }
        func patch<T: Equatable & Sendable>(_ name: String, _ field: inout T?, _ value: PatchValue<T>) {
            switch value {
            case .absent: break
            case .null: set(name, &field, .some(nil))
            case .value(let new): set(name, &field, .some(new))
            }
        }
        set("role", &party.role, amendment.role)
        set("name", &party.name, amendment.name)
        patch("date_of_birth", &party.dateOfBirth, amendment.dateOfBirth)
        patch("address", &party.address, amendment.address)
        patch("phone", &party.phone, amendment.phone)
        patch("email", &party.email, amendment.email)
        patch("gender", &party.gender, amendment.gender)
        patch("vulnerability_notes", &party.vulnerabilityNotes, amendment.vulnerabilityNotes)
        var updated = parties
        updated[index] = party
        guard updated.contains(where: { $0.role == .complainant }) else { throw .complainantRequired }
        parties = updated
        if !changed.isEmpty { updatedAt = max(updatedAt, now) }
        return changed
    }

    /// Erases one party's personal data on request (UK GDPR Art 17): every detail but the role goes, the
    /// name becomes `[erased]`; the case and the party's place in it stay. Returns the changed path.
    public mutating func eraseParty(_ id: UUID, at now: Date) throws(AmendmentViolation) -> [String] {
        guard let index = parties.firstIndex(where: { $0.id == id }) else { throw .noSuchParty(id) }
        guard !parties[index].isErased else { return [] }
        parties[index] = Party(id: id, role: parties[index].role, name: Party.erasedName)
        updatedAt = max(updatedAt, now)
        return ["/parties/\(id.uuidString.lowercased())"]
    }

    /// Removes a party recorded in error, with the reason as a `party-removed` event; returns the changed path.
    public mutating func removeParty(_ id: UUID, reason: String, by author: String, at now: Date) throws -> [String] {
        guard let index = parties.firstIndex(where: { $0.id == id }) else { throw AmendmentViolation.noSuchParty(id) }
        var remaining = parties
        remaining.remove(at: index)
        guard remaining.contains(where: { $0.role == .complainant }) else { throw AmendmentViolation.complainantRequired }
        try record(CaseEvent(kind: .partyRemoved, at: now, recordedAt: now, author: author, note: reason))
        parties = remaining
        return ["/parties/\(id.uuidString.lowercased())"]
    }
}
