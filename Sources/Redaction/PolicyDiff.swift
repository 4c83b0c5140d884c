import CaseModel
import Crypto
import SharingPolicy

/// What changing one policy set for another would change in partner views,
/// counted over a set of cases: a dry run for policy changes.
public struct PolicyDiff: Sendable {
    public struct Change: Sendable, Equatable {
        public var partner: String
        public var purpose: String
        public var newlyAdmitted = 0
        public var noLongerAdmitted = 0
        /// Field path → cases in which it would newly be disclosed.
        public var newlyDisclosed: [String: Int] = [:]
        /// Field path → cases in which it would no longer be disclosed.
        public var noLongerDisclosed: [String: Int] = [:]
        /// Field path → cases in which it stays disclosed but in another form.
        public var changedForm: [String: Int] = [:]

        var isEmpty: Bool {
            newlyAdmitted == 0 && noLongerAdmitted == 0 && newlyDisclosed.isEmpty && noLongerDisclosed.isEmpty && changedForm.isEmpty
        }
    }

    public var changes: [Change]

    public var isEmpty: Bool { changes.isEmpty }

    public var lines: [String] {
        changes.flatMap { change -> [String] in
            var lines = ["\(change.partner) / \(change.purpose):"]
            if change.newlyAdmitted > 0 { lines.append("  + \(change.newlyAdmitted) case(s) newly admitted") }
            if change.noLongerAdmitted > 0 { lines.append("  - \(change.noLongerAdmitted) case(s) no longer admitted") }
            for (field, n) in change.newlyDisclosed.sorted(by: { $0.key < $1.key }) { lines.append("  + \(field): newly disclosed in \(n) case(s)") }
            for (field, n) in change.noLongerDisclosed.sorted(by: { $0.key < $1.key }) {
                lines.append("  - \(field): no longer disclosed in \(n) case(s)")
            }
            for (field, n) in change.changedForm.sorted(by: { $0.key < $1.key }) {
                lines.append("  ~ \(field): disclosed differently in \(n) case(s)")
            }
            return lines
        }
    }

    public static func compare(old: PolicySet, new: PolicySet, cases: [ASBCase], pseudonymRoot: SymmetricKey, today: CalendarDate) -> PolicyDiff {
        let oldCompiled = CompiledPolicySet(old, pseudonymRoot: pseudonymRoot)
        let newCompiled = CompiledPolicySet(new, pseudonymRoot: pseudonymRoot)
        var pairs: [(String, String)] = []
        for set in [old, new] {
            for policy in set.policies {
                for purpose in policy.purposes where !pairs.contains(where: { $0 == (policy.partner.id, purpose.id) }) {
                    pairs.append((policy.partner.id, purpose.id))
                }
            }
        }
        var changes: [Change] = []
        for (partner, purpose) in pairs.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            var change = Change(partner: partner, purpose: purpose)
            let before = oldCompiled.policy(partner: partner, purpose: purpose)
            let after = newCompiled.policy(partner: partner, purpose: purpose)
            for c in cases {
                let a = before.flatMap { ViewBuilder.view(of: c, under: $0, today: today) }
                let b = after.flatMap { ViewBuilder.view(of: c, under: $0, today: today) }
                if a == nil && b != nil { change.newlyAdmitted += 1 }
                if a != nil && b == nil { change.noLongerAdmitted += 1 }
                let fa = a.map { fieldValues($0.value) } ?? [:]
                let fb = b.map { fieldValues($0.value) } ?? [:]
                for (path, value) in fb {
                    if let old = fa[path] {
                        if old != value { change.changedForm[path, default: 0] += 1 }
                    } else {
                        change.newlyDisclosed[path, default: 0] += 1
                    }
                }
                for path in fa.keys where fb[path] == nil { change.noLongerDisclosed[path, default: 0] += 1 }
            }
            if !change.isEmpty { changes.append(change) }
        }
        return PolicyDiff(changes: changes)
    }

    /// Every disclosed field path in a view with its values, e.g. "complainant.name".
    static func fieldValues(_ view: ViewValue) -> [String: String] {
        guard case .object(let members)? = view["case"] else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in members {
            switch key {
            case "events":
                guard case .array(let events) = value else { continue }
                for case .object(let fields) in events {
                    for (name, v) in fields { result["events.\(name)", default: ""] += v.json }
                }
            case "parties":
                guard case .array(let parties) = value else { continue }
                for case .object(let fields) in parties {
                    guard case .string(let role)? = fields.first(where: { $0.0 == "role" })?.1 else { continue }
                    let prefix = role.replacingOccurrences(of: "-", with: "_")
                    for (name, v) in fields where name != "role" { result["\(prefix).\(name)", default: ""] += v.json }
                }
            default:
                result[key] = value.json
            }
        }
        return result
    }
}
