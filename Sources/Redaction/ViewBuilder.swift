import ByteEncoding
import CaseModel
import Foundation
import SharingPolicy

/// A partner's view of one case: only what the purpose's rules produce.
public struct PartnerView: Sendable, Equatable {
    public let caseID: UUID
    /// The exact bytes sent to the partner (compact JSON): what the ledger hashes.
    public let bytes: [UInt8]

    public var json: String { String(decoding: bytes, as: UTF8.self) }

    /// The view as a value, read back from its bytes: for fixtures, diffs and tests, not the disclosure path.
    public var value: ViewValue { try! ViewValue(json: bytes) }
}

/// Builds partner views: deny by default, every field through its rule.
///
/// A view is written straight into JSON bytes: the rules were compiled with their keys already
/// encoded, and no intermediate tree is made, because this runs once per case per disclosure.
public enum ViewBuilder {
    /// The view of `c` under `policy`, or nil when the purpose's record filter does not admit the case.
    public static func view(of c: ASBCase, under policy: CompiledPolicy, today: CalendarDate) -> PartnerView? {
        // Written straight into the array's storage, so the view is neither copied nor allocated twice;
        // a view too big for it moves to the writer's own memory and is copied once.
        var admitted = false
        var spilled: [UInt8]?
        let bytes = [UInt8](unsafeUninitializedCapacity: 4096) { storage, count in
            var out = ByteWriter(scratch: storage)
            admitted = write(c, under: policy, today: today, to: &out)
            if out.isInScratch {
                count = out.count
            } else {
                spilled = out.bytes
                count = 0
            }
        }
        guard admitted else { return nil }
        return PartnerView(caseID: c.id, bytes: spilled ?? bytes)
    }

    /// Appends the view of `c` to `out` as one JSON object; false (and nothing written) when the filter does not admit it.
    public static func write(_ c: ASBCase, under policy: CompiledPolicy, today: CalendarDate, to out: inout ByteWriter) -> Bool {
        guard policy.purpose.records.admits(c) else { return false }
        var writer = Writer(today: today, scrubber: policy.needsScrubber ? Scrubber(parties: c.parties) : nil)
        out.append("{\"case_id\":\"")
        c.id.appendText(to: &out)
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: policy.header)
        var first = true
        // By index, not for-in: that would copy (retain and release) every rule.
        for r in policy.caseRules.indices {
            writer.member(policy.caseRules[r], attribute: policy.caseRules[r].attribute.value(c), first: &first, policy: policy, to: &out)
        }
        if !policy.eventRules.isEmpty && !c.events.isEmpty {
            out.append(first ? "\"events\":[" : ",\"events\":[")
            first = false
            // Events and parties by index: iterating would copy each one, every field retained and released.
            for e in c.events.indices {
                out.append(e == 0 ? "{" : ",{")
                var firstMember = true
                for r in policy.eventRules.indices {
                    writer.member(
                        policy.eventRules[r],
                        attribute: policy.eventRules[r].attribute.value(c.events[e]),
                        first: &firstMember,
                        policy: policy,
                        to: &out
                    )
                }
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        if policy.hasPartyRules {
            let mark = out.count
            out.append(first ? "\"parties\":[" : ",\"parties\":[")
            var written = 0
            // A person whose data is restricted (UK GDPR Art 18) is left out of every partner's view.
            let withheld = c.restrictedParties
            for p in c.parties.indices {
                let role = c.parties[p].role
                let rules = policy.partyRules[role.ordinal]
                guard !rules.isEmpty, withheld.isEmpty || !withheld.contains(c.parties[p].id) else { continue }
                let partyMark = out.count
                if written > 0 { out.append(UInt8(ascii: ",")) }
                out.append("{\"role\":")
                _ = ViewBuilder.share(.enumeration(role.rawValue), to: &out)
                let afterRole = out.count
                var firstMember = false
                for r in rules.indices {
                    writer.member(rules[r], attribute: rules[r].attribute.value(c.parties[p]), first: &firstMember, policy: policy, to: &out)
                }
                // A party with nothing but its role tells the partner nothing: left out.
                if out.count == afterRole {
                    out.truncate(to: partyMark)
                } else {
                    out.append(UInt8(ascii: "}"))
                    written += 1
                }
            }
            if written == 0 {
                out.truncate(to: mark)
            } else {
                out.append(UInt8(ascii: "]"))
                first = false
            }
        }
        out.append("}}")
        return true
    }

    /// A field's value before its rule.
    enum RawValue {
        case none
        case text(String)
        /// An enumeration's raw value: plain ASCII that JSON needs no escape for, so it is copied unexamined.
        case enumeration(String)
        /// A person id: text when shared, pseudonymised without making its text.
        case id(UUID)
        case bool(Bool)
        case list([String])
        case time(Date)
        case date(CalendarDate)
        case address(Address)

        /// The value as text, for the rules that work on text.
        var text: String? {
            switch self {
            case .text(let s), .enumeration(let s): s
            case .id(let id): id.text
            default: nil
            }
        }
    }

    /// Writes members of one JSON object, each through its rule; one per view, so the scrubber's numbering spans the view.
    struct Writer {
        let today: CalendarDate
        var scrubber: Scrubber?

        /// Writes `"key":value` (with a comma unless first) when the rule produces a value; otherwise nothing.
        mutating func member<Attribute>(
            _ rule: CompiledRule<Attribute>,
            attribute value: RawValue,
            first: inout Bool,
            policy: CompiledPolicy,
            to out: inout ByteWriter
        ) {
            if case .none = value { return }
            let mark = out.count
            if !first { out.append(UInt8(ascii: ",")) }
            policy.keys.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[rule.key])) }
            if write(rule.rule, value, kind: rule.kind, namespace: rule.namespace, policy: policy, to: &out) {
                first = false
            } else {
                out.truncate(to: mark)
            }
        }

        mutating func write(
            _ rule: FieldRule,
            _ raw: RawValue,
            kind: FieldKind,
            namespace: Int,
            policy: CompiledPolicy,
            to out: inout ByteWriter
        ) -> Bool {
            switch rule {
            case .omit:
                return false
            case .share:
                return ViewBuilder.share(raw, to: &out)
            case .mask(let first, let last):
                guard let s = raw.text else { return false }
                JSONString.append(Transforms.mask(s, first: first, last: last), to: &out)
            case .pseudonymise:
                let token =
                    switch raw {
                    case .id(let id): policy.pseudonymiser.token(person: id, namespace: policy.namespaces[namespace])
                    default:
                        raw.text.map {
                            policy.pseudonymiser.token(Transforms.normaliseForPseudonym($0, kind: kind), namespace: policy.namespaces[namespace])
                        }
                    }
                guard let token else { return false }
                JSONString.append(token, to: &out)
            case .generalise(let level):
                guard let text = Transforms.generalise(raw, level, today: today) else { return false }
                JSONString.append(text, to: &out)
            case .scrub:
                guard let s = raw.text else { return false }
                scrubber!.scrub(s, asJSONStringTo: &out)
            }
            return true
        }
    }

    static func share(_ raw: RawValue, to out: inout ByteWriter) -> Bool {
        switch raw {
        case .none:
            return false
        case .text(let s):
            JSONString.append(s, to: &out)
        case .enumeration(let s):
            out.append(UInt8(ascii: "\""))
            if s.utf8.withContiguousStorageIfAvailable({ out.append(contentsOf: $0) }) == nil { JSONString.appendContents(of: s, to: &out) }
            out.append(UInt8(ascii: "\""))
        case .id(let id):
            out.append(UInt8(ascii: "\""))
            id.appendText(to: &out)
            out.append(UInt8(ascii: "\""))
        case .bool(let b):
            out.append(b ? "true" : "false")
        case .list(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.append(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .time(let t):
            out.append(UInt8(ascii: "\""))
            Transforms.appendISO8601(t, to: &out)
            out.append(UInt8(ascii: "\""))
        case .date(let d):
            out.append(UInt8(ascii: "\""))
            Transforms.appendDate(d, to: &out)
            out.append(UInt8(ascii: "\""))
        case .address(let a):
            out.append("{\"lines\":")
            _ = share(.list(a.lines), to: &out)
            out.append(",\"postcode\":")
            JSONString.append(a.postcode.description, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        return true
    }
}
