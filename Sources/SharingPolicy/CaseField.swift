import CaseModel

/// What kind of value a case field holds; it decides which rules make sense.
public enum FieldKind: String, Sendable, Hashable {
    case identifier  // reference, police reference
    case enumeration  // category, status, channel, incident type, event kind, gender
    case text  // ward
    case flag  // risk flag
    case tags  // caseworker tags
    case timestamp  // received, closed, updated, event times
    case freeText  // narrative, notes, reasons
    case location  // where it happened: free text that usually holds an address
    case personID
    case name
    case dateOfBirth
    case address
    case phone
    case email
}

/// One field of the case model that a sharing policy must name (or leave to
/// `default`). Party fields apply to every party with that role.
public struct CaseField: Sendable, Hashable, CustomStringConvertible {
    public let path: String
    public let kind: FieldKind
    /// Set for party fields.
    public let role: PartyRole?
    /// What pseudonyms of this field are keyed under: party fields share one namespace across roles
    /// (`name`, not `victim.name`), so a complainant who is also the victim gets one token.
    public let pseudonymNamespace: String

    public init(path: String, kind: FieldKind, role: PartyRole?) {
        self.path = path
        self.kind = kind
        self.role = role
        if role != nil, let dot = path.firstIndex(of: ".") {
            pseudonymNamespace = String(path[path.index(after: dot)...])
        } else {
            pseudonymNamespace = path
        }
    }

    public var description: String { path }

    /// The role's name in field paths: `alleged_perpetrator.name`.
    public static func pathPrefix(_ role: PartyRole) -> String {
        role.rawValue.replacingOccurrences(of: "-", with: "_")
    }
}

/// Every field of the case model, in the order views list them.
public enum CaseFieldCatalogue {
    public static let caseFields: [CaseField] =
        ([
            ("reference", .identifier), ("incident_type", .enumeration), ("category", .enumeration),
            ("category_reason", .freeText), ("channel", .enumeration), ("received_at", .timestamp),
            ("police_reference", .identifier), ("ward", .text), ("location", .location), ("narrative", .freeText),
            ("risk_flag", .flag), ("tags", .tags), ("status", .enumeration), ("closed_at", .timestamp),
            ("updated_at", .timestamp), ("events.kind", .enumeration), ("events.at", .timestamp), ("events.note", .freeText),
        ] as [(String, FieldKind)]).map { CaseField(path: $0.0, kind: $0.1, role: nil) }

    public static let partyAttributes: [(String, FieldKind)] = [
        ("person_id", .personID), ("name", .name), ("date_of_birth", .dateOfBirth), ("address", .address),
        ("phone", .phone), ("email", .email), ("gender", .enumeration), ("vulnerability_notes", .freeText),
    ]

    public static let partyFields: [CaseField] = PartyRole.allCases.flatMap { role in
        partyAttributes.map { CaseField(path: "\(CaseField.pathPrefix(role)).\($0.0)", kind: $0.1, role: role) }
    }

    public static let all: [CaseField] = caseFields + partyFields

    public static let byPath: [String: CaseField] = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
}
