/// The kind of incident reported; it determines the case's starting category.
public enum IncidentType: String, Codable, Sendable, CaseIterable {
    case domesticViolence = "domestic-violence"
    case drugs = "drugs"
    case hateCrime = "hate-crime"
    case threatsOfViolence = "threats-of-violence"
    case unprovokedAttack = "unprovoked-attack"
    case damageToProperty = "damage-to-property"
    case harassment = "harassment"
    case peopleCongregating = "people-congregating"
    case vehicleNuisance = "vehicle-nuisance"
    case animalNuisance = "animal-nuisance"

    /// The category the service standards assign to this incident type.
    public var category: Category {
        switch self {
        case .domesticViolence, .drugs, .hateCrime, .threatsOfViolence, .unprovokedAttack: .a
        case .damageToProperty, .harassment: .b
        case .peopleCongregating, .vehicleNuisance, .animalNuisance: .c
        }
    }
}

/// How the report reached the council.
public enum ReportChannel: String, Codable, Sendable, CaseIterable {
    case phone
    case email
    case letter
    case inPerson = "in-person"
}
