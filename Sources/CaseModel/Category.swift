/// The council's three ASB categories, most serious first.
///
/// The category sets the interview deadline and whether fortnightly
/// progress updates are owed (Category A only).
public enum Category: String, Codable, Sendable, CaseIterable, Comparable {
    case a = "A"
    case b = "B"
    case c = "C"

    /// Working days within which the complainant must be interviewed.
    public var interviewWithinWorkingDays: Int {
        switch self {
        case .a: 1
        case .b: 3
        case .c: 5
        }
    }

    /// Whether fortnightly progress updates are owed.
    public var requiresFortnightlyUpdates: Bool { self == .a }

    /// `A` is the most serious, so it compares as the greatest.
    public static func < (lhs: Category, rhs: Category) -> Bool {
        lhs.severityRank < rhs.severityRank
    }

    private var severityRank: Int {
        switch self {
        case .a: 3
        case .b: 2
        case .c: 1
        }
    }
}
