/// A partner and the purpose it received data for.
public struct Recipient: Hashable, Sendable, Comparable {
    public var partner: String
    public var purpose: String

    public init(partner: String, purpose: String) {
        self.partner = partner
        self.purpose = purpose
    }

    public static func < (a: Recipient, b: Recipient) -> Bool { (a.partner, a.purpose) < (b.partner, b.purpose) }
}

/// What the ledger's disclosure entries show was given out of some cases: who received each case, and the
/// field paths each recipient received. Notices to recipients (UK GDPR Art 19) and purge reviews read it.
public struct DisclosureReceipts: Sendable {
    public var byCase: [String: Set<Recipient>] = [:]
    public var fields: [Recipient: Set<String>] = [:]
}

extension LedgerStore {
    /// The disclosures of `caseIDs`, gathered by case and by recipient.
    public func receipts(of caseIDs: [String]) async throws -> DisclosureReceipts {
        var receipts = DisclosureReceipts()
        guard !caseIDs.isEmpty else { return receipts }
        let wanted = Set(caseIDs)
        for stored in try await query(LedgerQuery(caseIDs: caseIDs, actions: [.disclosure], limit: 10_000_000)) {
            let entry = try stored.decoded()
            guard let partner = entry.recipient else { continue }
            let recipient = Recipient(partner: partner, purpose: entry.purpose ?? "")
            for id in entry.caseIDs where wanted.contains(id) { receipts.byCase[id, default: []].insert(recipient) }
            receipts.fields[recipient, default: []].formUnion((entry.fields ?? []).map(\.path))
        }
        return receipts
    }
}
