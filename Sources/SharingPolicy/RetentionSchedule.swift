import ByteEncoding
import CaseModel
import Crypto
import Foundation
import Yams

/// How long cases are kept: rules tried in order, the first whose criteria
/// match a case decides. Read from `policies/retention.yaml`.
public struct RetentionSchedule: Sendable, Encodable {
    public enum Basis: String, Sendable, Encodable, CaseIterable {
        case closure
        case lastActivity = "last_activity"
        case receipt
    }

    public enum Outcome: String, Sendable, Encodable, CaseIterable {
        /// Purged once expired.
        case purge
        /// Listed for a person to review once expired; never purged by a sweep.
        case review
    }

    public struct Period: Sendable, Equatable, Encodable, CustomStringConvertible {
        public enum Unit: String, Sendable, Encodable { case days, months, years }
        public var amount: Int
        public var unit: Unit

        public init(amount: Int, unit: Unit) {
            self.amount = amount
            self.unit = unit
        }

        public func added(to date: CalendarDate) -> CalendarDate {
            switch unit {
            case .days: return date.adding(days: amount)
            case .months, .years:
                let months = unit == .years ? amount * 12 : amount
                let total = date.year * 12 + (date.month - 1) + months
                let year = total / 12
                let month = total % 12 + 1
                // 29 February plus a year is 28 February: the end of the month, not the next one.
                return CalendarDate(year: year, month: month, day: min(date.day, CalendarDate.daysIn(month: month, year: year)))!
            }
        }

        public var description: String { "\(amount) \(amount == 1 ? String(unit.rawValue.dropLast()) : unit.rawValue)" }
    }

    public struct Rule: Sendable, Encodable {
        public var id: String
        public var statuses: Set<CaseStatus>?
        public var categories: Set<Category>?
        public var flags: Set<String>?
        public var policeReference: Bool?
        public var keep: Period
        public var after: Basis
        public var then: Outcome

        /// Whether the rule's criteria (not its time limit) cover a case.
        public func matches(status: CaseStatus, category: Category, flags caseFlags: Set<String>, hasPoliceReference: Bool) -> Bool {
            if let statuses, !statuses.contains(status) { return false }
            if let categories, !categories.contains(category) { return false }
            if let flags, flags.isDisjoint(with: caseFlags) { return false }
            if let policeReference, policeReference != hasPoliceReference { return false }
            return true
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encodeIfPresent(statuses.map { $0.map(\.rawValue).sorted() }, forKey: .statuses)
            try c.encodeIfPresent(categories.map { $0.map(\.rawValue).sorted() }, forKey: .categories)
            try c.encodeIfPresent(flags.map { $0.sorted() }, forKey: .flags)
            try c.encodeIfPresent(policeReference, forKey: .policeReference)
            try c.encode(keep.description, forKey: .keep)
            try c.encode(after, forKey: .after)
            try c.encode(then, forKey: .then)
        }

        enum CodingKeys: String, CodingKey { case id, statuses, categories, flags, policeReference, keep, after, then }
    }

    public var rules: [Rule]
    /// "sha256:" of the schedule's canonical form; recorded with every purge.
    public var version: String { Self.hash(self) }

    /// The first rule whose criteria cover the case, or nil.
    public func rule(status: CaseStatus, category: Category, flags: Set<String>, hasPoliceReference: Bool) -> Rule? {
        rules.first { $0.matches(status: status, category: category, flags: flags, hasPoliceReference: hasPoliceReference) }
    }

    /// Case shapes no rule covers. Rules that need a flag cover nothing for certain, so they do not count.
    public var uncovered: [String] {
        var gaps: [String] = []
        for status in CaseStatus.allCases {
            for category in Category.allCases {
                for police in [false, true] where rule(status: status, category: category, flags: [], hasPoliceReference: police) == nil {
                    gaps.append("\(status.rawValue) Category \(category.rawValue) cases \(police ? "with" : "without") a police reference")
                }
            }
        }
        return gaps
    }

    static func hash(_ schedule: RetentionSchedule) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return "sha256:" + SHA256.hash(data: (try? encoder.encode(schedule.rules)) ?? Data()).hexString
    }

    /// Reads and validates `retention.yaml`; every problem is reported with file, line and column,
    /// including case shapes that no rule covers.
    public static func load(file url: URL, displayPath: String? = nil) throws(PolicyError) -> RetentionSchedule {
        let display = displayPath ?? url.path
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw .diagnostics([PolicyDiagnostic(file: display, line: 1, column: 1, message: "cannot be read")])
        }
        return try parse(text: text, file: display)
    }

    public static func parse(text: String, file: String) throws(PolicyError) -> RetentionSchedule {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw .diagnostics([PolicyDiagnostic(file: file, line: 1, column: 1, message: "YAML syntax: \(error)")])
        }
        let y = YAMLCursor(file: file)
        guard let top = y.mapping(root, "the retention schedule", required: ["rules"]) else { throw .diagnostics(y.diagnostics) }
        guard case .sequence(let items)? = top["rules"], !items.isEmpty else {
            y.error(top["rules"], "'rules' must be a non-empty list")
            throw .diagnostics(y.diagnostics)
        }
        var rules: [Rule] = []
        var seen = Set<String>()
        for item in items {
            guard let m = y.mapping(item, "a retention rule", required: ["id", "keep", "after", "then"], optional: ["match"]) else { continue }
            let id = y.string(m["id"], "the rule 'id'")
            if let id, !seen.insert(id).inserted { y.error(m["id"], "rule '\(id)' appears twice") }
            var rule = Rule(id: id ?? "", keep: Period(amount: 0, unit: .days), after: .closure, then: .purge)
            if let match = y.mapping(m["match"], "'match'", required: [], optional: ["status", "category", "flags", "police_reference"]) {
                if let n = match["status"] {
                    rule.statuses = Set(
                        y.enumerated(n, "'match.status'", allowed: CaseStatus.allCases.map(\.rawValue)) { CaseStatus(rawValue: $0) } ?? []
                    )
                }
                if let n = match["category"] {
                    rule.categories = Set(
                        y.enumerated(n, "'match.category'", allowed: Category.allCases.map(\.rawValue)) { Category(rawValue: $0) } ?? []
                    )
                }
                if let n = match["flags"] { rule.flags = Set((y.strings(n, "'match.flags'") ?? []).map(\.0)) }
                if let n = match["police_reference"] { rule.policeReference = y.bool(n, "'match.police_reference'") }
            }
            if let text = y.string(m["keep"], "'keep'") {
                let parts = text.split(separator: " ")
                let unitName = parts.count == 2 ? (parts[1].hasSuffix("s") ? String(parts[1]) : parts[1] + "s") : ""
                if parts.count == 2, let amount = Int(parts[0]), amount > 0, let unit = Period.Unit(rawValue: unitName) {
                    rule.keep = Period(amount: amount, unit: unit)
                } else {
                    y.error(m["keep"], "'keep' must be like '6 years', '18 months' or '90 days'")
                }
            }
            if let text = y.string(m["after"], "'after'") {
                if let basis = Basis(rawValue: text) {
                    rule.after = basis
                } else {
                    let options = Basis.allCases.map(\.rawValue)
                    y.error(m["after"], "'after' must be one of \(options.joined(separator: ", "))\(suggestion(for: text, among: options))")
                }
            }
            if let text = y.string(m["then"], "'then'") {
                if let outcome = Outcome(rawValue: text) {
                    rule.then = outcome
                } else {
                    let options = Outcome.allCases.map(\.rawValue)
                    y.error(m["then"], "'then' must be one of \(options.joined(separator: ", "))\(suggestion(for: text, among: options))")
                }
            }
            if rule.after == .closure, let statuses = rule.statuses, statuses.contains(.open) {
                y.error(m["after"], "open cases have no closure date; use last_activity or receipt for rules that match open cases")
            }
            if rule.after == .closure, rule.statuses == nil {
                y.error(m["after"], "'after: closure' needs 'match.status: [closed]'")
            }
            rules.append(rule)
        }
        let schedule = RetentionSchedule(rules: rules)
        if y.diagnostics.isEmpty {
            for gap in schedule.uncovered { y.error(root, "no rule covers \(gap); add a rule (a last rule with no 'match' covers everything)") }
        }
        guard y.diagnostics.isEmpty else { throw .diagnostics(y.diagnostics) }
        return schedule
    }
}
