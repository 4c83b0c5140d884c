import Foundation

/// The part a person plays in a case.
public enum PartyRole: String, Codable, Sendable, CaseIterable {
    case complainant
    case victim
    case witness
    case allegedPerpetrator = "alleged-perpetrator"
}

/// A postal address with a validated UK postcode.
public struct Address: Hashable, Sendable, Codable {
    public var lines: [String]
    public var postcode: Postcode

    public init(lines: [String], postcode: Postcode) {
        self.lines = lines
        self.postcode = postcode
    }
}

/// A person named in a case. Every field but the role is personal data and is
/// stored encrypted; `personID` is stable for the person within the case.
public struct Party: Hashable, Sendable, Codable, Identifiable {
    public var id: UUID
    public var role: PartyRole
    public var name: String
    public var dateOfBirth: CalendarDate?
    public var address: Address?
    public var phone: String?
    public var email: String?
    public var gender: String?
    public var vulnerabilityNotes: String?

    public init(
        id: UUID = UUID(),
        role: PartyRole,
        name: String,
        dateOfBirth: CalendarDate? = nil,
        address: Address? = nil,
        phone: String? = nil,
        email: String? = nil,
        gender: String? = nil,
        vulnerabilityNotes: String? = nil
    ) {
        self.id = id
        self.role = role
        self.name = name
        self.dateOfBirth = dateOfBirth
        self.address = address
        self.phone = phone
        self.email = email
        self.gender = gender
        self.vulnerabilityNotes = vulnerabilityNotes
    }
}

extension Party {
    /// What an erased party's name becomes.
    public static let erasedName = "[erased]"

    /// Whether the party's personal data was erased on request (UK GDPR Art 17).
    public var isErased: Bool { name == Self.erasedName }
}
