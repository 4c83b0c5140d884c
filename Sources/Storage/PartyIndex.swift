import CaseModel
import Crypto
import Foundation

/// Blind index of parties: HMAC-SHA256 of a normalised name and date of birth,
/// under the store's own party-index key (`StoreSecrets`). Finds a person's cases for a
/// subject access request without decrypting any case, and shows nothing to
/// someone holding the database alone.
package struct PartyIndex: Sendable {
    package let key: SymmetricKey

    package init(secrets: StoreSecrets) {
        key = secrets.partyIndex
    }

    /// Case-insensitive, with runs of spaces and punctuation folded, so "O'Brien,  Mary" finds "o'brien mary".
    package func lookup(name: String, dateOfBirth: CalendarDate?) -> Data {
        let words = name.lowercased().split { !$0.isLetter && !$0.isNumber && $0 != "'" }
        let normalised = words.joined(separator: " ") + "\n" + (dateOfBirth?.description ?? "")
        return Data(HMAC<SHA256>.authenticationCode(for: Data(normalised.utf8), using: key))
    }

    /// A party erased on request has no entry: nothing of theirs is left to find.
    package func lookups(for c: ASBCase) -> Set<Data> {
        Set(c.parties.filter { !$0.isErased }.map { lookup(name: $0.name, dateOfBirth: $0.dateOfBirth) })
    }
}
