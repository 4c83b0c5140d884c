import CaseModel
import Foundation
import SharingPolicy

/// What a case's fields must hold, checked alike when a case is recorded and when it is amended. Each
/// failure is a 400 naming the field, never its value (a ward, which is not personal, excepted).
enum CaseFieldRules {
    static func require(_ ok: Bool, _ message: String) throws(Problem) {
        if !ok { throw Problem.badRequest(message) }
    }

    /// One of the council's wards, when it has listed them; the nearest is suggested.
    static func ward(_ ward: String, wards: WardList?) throws(Problem) {
        try require(!ward.trimmed.isEmpty, "'ward' must not be empty")
        if let wards, !wards.contains(ward.trimmed) {
            throw Problem.badRequest("'ward' must be one of the council's wards; '\(ward.trimmed)' is not\(wards.suggestion(for: ward.trimmed))")
        }
    }

    static func narrative(_ narrative: String) throws(Problem) {
        try require(!narrative.trimmed.isEmpty, "'narrative' must not be empty")
        try require(narrative.count <= 20_000, "'narrative' is longer than 20,000 characters")
    }

    static func tags(_ tags: [String]) throws(Problem) {
        for tag in tags {
            try require(ASBCase.isValidTag(tag), "'tags' must be lower-case words like 'safeguarding' or 'tenant:ealing-homes'")
        }
    }

    static func policeReference(_ reference: String) throws(Problem) {
        try require(!reference.trimmed.isEmpty && reference.count <= 40, "'police_reference' must be 1 to 40 characters")
    }

    /// A party's details; `at` prefixes field names ("parties[2]." or "").
    static func party(at: String, name: String?, dateOfBirth: CalendarDate?, phone: String?, email: String?, now: Date) throws(Problem) {
        if let name { try require(!name.trimmed.isEmpty, "'\(at)name' must not be empty") }
        if let dateOfBirth { try require(dateOfBirth <= CalendarDate(now), "'\(at)date_of_birth' is in the future") }
        if let phone {
            try require(
                phone.allSatisfy { $0.isNumber || " +()-".contains($0) } && phone.filter(\.isNumber).count >= 7,
                "'\(at)phone' is not a phone number"
            )
        }
        if let email {
            let parts = email.split(separator: "@")
            try require(parts.count == 2 && parts[1].contains("."), "'\(at)email' is not an email address")
        }
    }

    /// A party's corrected details, as `party(at:…)` checks new ones.
    static func party(_ amendment: PartyAmendment, now: Date) throws(Problem) {
        try party(
            at: "",
            name: amendment.name,
            dateOfBirth: amendment.dateOfBirth.value,
            phone: amendment.phone.value,
            email: amendment.email.value,
            now: now
        )
    }
}
