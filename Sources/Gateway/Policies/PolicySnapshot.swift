import CoreMetrics
import Ledger
import Redaction

/// A policy set as one request sees it, with what the gateway derives from it once per load: each
/// purpose's field list as the ledger records it, canonical bytes included, so every disclosure's entry
/// copies those bytes rather than encoding the list again.
public struct PolicySnapshot: Sendable {
    public let compiled: CompiledPolicySet
    /// By `CompiledPolicy.ordinal`.
    private let ledgerFields: [DisclosedFields]
    /// Disclosures under each purpose, by `CompiledPolicy.ordinal` (made once, so counting hashes nothing).
    private let disclosureCounters: [CoreMetrics.Counter]

    public init(_ compiled: CompiledPolicySet) {
        self.compiled = compiled
        self.ledgerFields = compiled.all.map { policy in
            DisclosedFields(policy.disclosedFields.map { DisclosedField(path: $0.path, rule: $0.rule.description) })
        }
        self.disclosureCounters = compiled.all.map { GatewayMetrics.disclosures(partner: $0.partner.id, purpose: $0.purpose.id) }
    }

    /// Counts a disclosure under `policy` (one of this set's).
    func countDisclosure(under policy: CompiledPolicy) {
        disclosureCounters[policy.ordinal].increment()
    }

    public var version: String { compiled.version }

    /// The field list a disclosure under `policy` (one of this set's) records.
    public func ledgerFields(of policy: CompiledPolicy) -> DisclosedFields {
        ledgerFields[policy.ordinal]
    }
}
