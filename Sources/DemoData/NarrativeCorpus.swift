import CaseModel
import Foundation

/// Synthetic narratives as caseworkers and complainants type them, with every identifier marked: for
/// measuring the scrubber's recall and false positives by kind (see `docs/policies.md`). Built from the demo
/// vocabulary; the same seed gives the same corpus.
public struct NarrativeCorpus {
    /// What an identifier is, as the scrubber should see it.
    public enum Kind: String, CaseIterable, Sendable {
        case fullName = "full name"
        case firstName = "first name alone"
        case surname = "surname alone"
        case phone
        case email
        case postcode
        case address = "street address"
        case vehicle = "vehicle registration"
        case date
    }

    /// One identifier in a narrative: its kind and its text as written there.
    public struct Identifier: Sendable, Equatable {
        public var kind: Kind
        public var text: String
    }

    public struct Narrative: Sendable {
        public var text: String
        /// The case's parties: whose names the scrubber is given.
        public var parties: [Party]
        public var identifiers: [Identifier]
        /// Ordinary phrases that must come through unchanged (numbers, times, places, common words).
        public var decoys: [String]
    }

    private var rng: SeededGenerator

    public init(seed: UInt64 = 19) {
        rng = SeededGenerator(seed: seed)
    }

    public mutating func make(_ count: Int) -> [Narrative] {
        (0..<count).map { _ in narrative() }
    }

    private mutating func narrative() -> Narrative {
        let complainant = person(.complainant)
        let other = person(.allegedPerpetrator)
        var text = ""
        var identifiers: [Identifier] = []
        var decoys: [String] = []
        func say(_ plain: String) { text += plain }
        func mark(_ kind: Kind, _ value: String) {
            text += value
            identifiers.append(Identifier(kind: kind, text: value))
        }
        func decoy(_ phrase: String) {
            text += phrase
            decoys.append(phrase)
        }
        let (otherFirst, otherLast) = split(other.name)
        let (selfFirst, selfLast) = split(complainant.name)
        // Three to five sentences, each from its own pool, in an order that varies.
        let sentences = Array(0..<9).shuffled(using: &rng).prefix(int(3..<6))
        for sentence in sentences {
            if !text.isEmpty { say(" ") }
            switch sentence {
            case 0:
                say(pick(["Complainant ", "Caller ", "Spoke to "]))
                mark(.fullName, styled(complainant.name))
                say(pick([" reports that ", " says ", " states "]))
                mark(.surname, styled(otherLast))
                say(pick([" has been shouting abuse at her", " keeps blocking the drive", " was seen kicking the door"]))
                say(".")
            case 1:
                say(pick(["Call back on ", "Best number is ", "Mobile: ", "She can be reached on "]))
                mark(.phone, phone())
                say(pick([" after ", " before "]))
                decoy(pick(["6pm", "10am", "half past five", "11:30"]))
                say(".")
            case 2:
                mark(.firstName, styled(otherFirst))
                say(pick([" parks his car ", " leaves a van ", " revs a motorbike "]))
                say(pick(["outside ", "across the drive of ", "on the pavement by "]))
                mark(.address, address())
                say(pick([" most nights.", " every weekend.", "."]))
            case 3:
                say(pick(["Vehicle seen: ", "The car is a blue Ford, reg ", "Number plate "]))
                mark(.vehicle, vehicle())
                say(pick([". ", ", "]))
                decoy(pick(["about 20 youths", "3 or 4 cars", "the 207 bus", "two dogs"]))
                say(" involved.")
            case 4:
                say(pick(["Incident on ", "Happened again on ", "Last seen "]))
                mark(.date, date())
                say(pick([" near ", " by "]))
                decoy(pick(["Ealing Broadway station", "the Tesco on Uxbridge Road", "Walpole Park", "the library"]))
                say(".")
            case 5:
                say(pick(["Email from ", "Message from "]))
                mark(.firstName, styled(selfFirst))
                say(": reply to ")
                mark(.email, complainant.email!)
                say(".")
            case 6:
                say(pick(["Lives at ", "Address given as "]))
                mark(.address, address())
                say(", ")
                mark(.postcode, postcode())
                say(".")
            case 7:
                mark(.surname, styled(selfLast))
                say(pick(["'s neighbour", " said the neighbour", " thinks the neighbour"]))
                say(pick([" will ", " may "]))
                decoy(pick(["call the police", "mark the dates in a diary", "keep a log", "wait until Friday"]))
                say(".")
            default:
                say(pick(["Risk: ", "Note: "]))
                mark(.fullName, styled(other.name))
                say(pick([" is known to police", " was warned in 2024", " has a dog"]))
                say(". ")
                decoy(pick(["Flat 3 is empty", "Room 12 booked", "Case conference on Tuesday", "No further action for now"]))
                say(".")
            }
        }
        return Narrative(text: text, parties: [complainant, other], identifiers: identifiers, decoys: decoys)
    }

    /// A party; about one in five surnames is double-barrelled.
    private mutating func person(_ role: PartyRole) -> Party {
        var surname = pick(DemoVocabulary.surnames)
        if int(0..<5) == 0 { surname += "-" + pick(DemoVocabulary.surnames) }
        let first = pick(DemoVocabulary.firstNames)
        return Party(
            role: role,
            name: "\(first) \(surname)",
            phone: phone(),
            email: "\(first.lowercased()).\(surname.lowercased().filter(\.isLetter))\(int(1..<99))@example.org"
        )
    }

    private func split(_ name: String) -> (String, String) {
        let parts = name.split(separator: " ", maxSplits: 1).map(String.init)
        return (parts[0], parts.count > 1 ? parts[1] : parts[0])
    }

    /// As typed: as written, all lower case, or all capitals.
    private mutating func styled(_ name: String) -> String {
        switch int(0..<6) {
        case 0: name.lowercased()
        case 1: name.uppercased()
        default: name
        }
    }

    private mutating func phone() -> String {
        let mobile = "7\(int(100..<999))\(int(100_000..<999_999))"
        let london = "20\(int(7000..<8999))\(int(1000..<9999))"
        let digits = int(0..<2) == 0 ? mobile : london
        let d = Array(digits)
        func s(_ r: Range<Int>) -> String { String(d[r]) }
        switch int(0..<8) {
        case 0: return "0\(digits)"
        case 1: return "0\(s(0..<4)) \(s(4..<10))"
        case 2: return "0\(s(0..<4))-\(s(4..<7))-\(s(7..<10))"
        case 3: return "(0\(s(0..<2))) \(s(2..<6)) \(s(6..<10))"
        case 4: return "+44 \(s(0..<4)) \(s(4..<10))"
        case 5: return "+44 (0)\(s(0..<2)) \(s(2..<6)) \(s(6..<10))"
        case 6: return "0\(s(0..<2)).\(s(2..<6)).\(s(6..<10))"
        default: return "0\(s(0..<4)) \(s(4..<7)) \(s(7..<10))"
        }
    }

    private mutating func address() -> String {
        let street = pick(DemoVocabulary.streets)
        switch int(0..<4) {
        case 0: return "\(int(1..<200))\(pick(["a", "b", "A"])) \(street)"
        case 1: return "\(int(1..<200)) \(street.lowercased())"
        default: return "\(int(1..<200)) \(street)"
        }
    }

    private mutating func vehicle() -> String {
        func letters(_ n: Int) -> String { String((0..<n).map { _ in pick(Array("ABCDEFGHJKLMNOPRSTUVWXYZ")) }) }
        let age = pick(["12", "19", "23", "65", "71", "05"])
        switch int(0..<5) {
        case 0: return "\(letters(2))\(age)\(letters(3))"
        case 1: return "\(letters(2))\(age) \(letters(3))".lowercased()
        case 2: return "\(letters(1))\(int(1..<999)) \(letters(3))"
        case 3: return "\(letters(3)) \(int(1..<999))\(letters(1))"
        default: return "\(letters(2))\(age) \(letters(3))"
        }
    }

    private mutating func postcode() -> String {
        let ward = pick(DemoVocabulary.wards)
        return "\(pick(ward.districts)) \(int(1..<10))\(pick(Array("ABDEFGHJLNPQRSTUWXYZ")))\(pick(Array("ABDEFGHJLNPQRSTUWXYZ")))"
    }

    private mutating func date() -> String {
        let day = int(1..<29)
        let month = int(1..<13)
        switch int(0..<3) {
        case 0: return "\(day)/\(month)/2026"
        case 1:
            return
                "\(day) \(["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"][month - 1])"
        default: return "\(String(format: "%02d", day))/\(String(format: "%02d", month))/26"
        }
    }

    private mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &rng) }
    private mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }
}
