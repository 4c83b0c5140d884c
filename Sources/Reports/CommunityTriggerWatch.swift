import CaseModel
import SharingPolicy

/// The ASB case review (community trigger) watch: victims and places that meet the local threshold, so
/// the council acts before the complainant has to ask. Default threshold: three complaints within six
/// months, or one hate incident.
public struct CommunityTriggerWatch: Sendable {
    public struct Threshold: Sendable, Equatable {
        public var complaints: Int
        public var months: Int
        public var hateIncidents: Int

        public init(complaints: Int = 3, months: Int = 6, hateIncidents: Int = 1) {
            self.complaints = complaints
            self.months = months
            self.hateIncidents = hateIncidents
        }
    }

    public enum Subject: String, Sendable, Equatable {
        /// The same complainant or victim (name and date of birth).
        case person
        /// The same location or home address (normalised).
        case place
    }

    public struct Match: Sendable, Equatable {
        public var subject: Subject
        /// The person's name or the address, as recorded: for council staff only.
        public var label: String
        public var caseIDs: [String]
        public var references: [String]
        public var complaints: Int
        public var hateIncidents: Int
        /// Why it is listed: "3 complaints since 2026-05-25", "1 hate incident".
        public var reason: String
    }

    public var matches: [Match]
    public let since: CalendarDate

    public init(cases: [ASBCase], today: CalendarDate, threshold: Threshold = Threshold()) {
        let since = RetentionSchedule.Period(amount: -threshold.months, unit: .months).added(to: today)
        self.since = since
        var groups: [String: (subject: Subject, label: String, cases: [ASBCase])] = [:]
        for c in cases where CalendarDate(c.receivedAt) >= since {
            var keys: Set<String> = []
            for party in c.parties where party.role == .complainant || party.role == .victim {
                let key = "person:" + Self.normalise(party.name) + "|" + (party.dateOfBirth?.description ?? "")
                if keys.insert(key).inserted { groups[key, default: (.person, party.name, [])].cases.append(c) }
                if let address = party.address {
                    let text = (address.lines + [address.postcode.description]).joined(separator: ", ")
                    let place = "place:" + Self.normalise(text)
                    if keys.insert(place).inserted { groups[place, default: (.place, text, [])].cases.append(c) }
                }
            }
            let place = "place:" + Self.normalise(c.location)
            if !c.location.isEmpty, keys.insert(place).inserted { groups[place, default: (.place, c.location, [])].cases.append(c) }
        }
        matches = groups.values.compactMap { group in
            let hate = group.cases.filter { $0.incidentType == .hateCrime }.count
            var reasons: [String] = []
            if group.cases.count >= threshold.complaints { reasons.append("\(group.cases.count) complaints since \(since)") }
            if hate >= threshold.hateIncidents { reasons.append("\(hate) hate incident\(hate == 1 ? "" : "s")") }
            guard !reasons.isEmpty else { return nil }
            let sorted = group.cases.sorted { $0.receivedAt < $1.receivedAt }
            return Match(
                subject: group.subject,
                label: group.label,
                caseIDs: sorted.map(\.id.uuidString),
                references: sorted.map(\.reference),
                complaints: group.cases.count,
                hateIncidents: hate,
                reason: reasons.joined(separator: "; ")
            )
        }
        .sorted { ($0.complaints, $0.hateIncidents, $0.label) > ($1.complaints, $1.hateIncidents, $1.label) }
    }

    /// Lower case, letters and digits only, single spaces: "42 Zanzibar Mews, W5 9ZZ" matches "42 zanzibar mews w5 9zz".
    static func normalise(_ text: String) -> String {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.joined(separator: " ")
    }
}
