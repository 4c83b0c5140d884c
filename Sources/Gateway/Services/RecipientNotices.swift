import ByteEncoding
import CaseModel
import Foundation
import Ledger
import Redaction
import Storage

/// What each recipient must be told when a case changes, as ledger `notification` entries: one per partner
/// and purpose, written in the same transaction as the change (UK GDPR Art 19: recipients of personal data
/// are told of its rectification, erasure or restriction).
///
/// The partner's own view decides: built under its purpose before and after the change, on the same day,
/// `updated` when it admits the case after and the view differs (a field it sees changed, or the case is
/// newly admitted); `withdrawn` when it admitted the case before, no longer does, and the ledger shows the
/// partner received it. (`erased` notices are written by retention sweeps, with their erasure entries.) A partner
/// learns nothing of a case it was never shown and may not see.
struct RecipientNotices: Sendable {
    enum Kind: String, Sendable {
        case updated, withdrawn
    }

    let policies: PolicyStore
    let ledger: Ledger

    /// The notices a change from `before` to `after` calls for; `actor` caused it.
    func drafts(before: ASBCase, after: ASBCase, today: CalendarDate, actor: LedgerActor, requestID: String?) async throws -> [LedgerDraft] {
        let set = policies.current
        var received: Set<Recipient>?
        var drafts: [LedgerDraft] = []
        for policy in set.all {
            let (wasAdmitted, old) = Self.view(before, policy, today)
            let (isAdmitted, new) = Self.view(after, policy, today)
            let kind: Kind
            if isAdmitted {
                guard !wasAdmitted || old != new else { continue }
                kind = .updated
            } else {
                guard wasAdmitted else { continue }
                if received == nil { received = try await ledger.store.receipts(of: [before.id.text]).byCase[before.id.text] ?? [] }
                guard received!.contains(Recipient(partner: policy.partner.id, purpose: policy.purpose.id)) else { continue }
                kind = .withdrawn
            }
            drafts.append(
                Self.draft(kind, case: after.id, partner: policy.partner.id, purpose: policy.purpose.id, actor: actor, requestID: requestID)
            )
        }
        return drafts
    }

    private static func view(_ c: ASBCase, _ policy: CompiledPolicy, _ today: CalendarDate) -> (Bool, [UInt8]) {
        var out = ByteWriter(capacity: 4096)
        let admitted = ViewBuilder.write(c, under: policy, today: today, to: &out)
        return (admitted, admitted ? out.bytes : [])
    }

    private static func draft(_ kind: Kind, case id: UUID, partner: String, purpose: String, actor: LedgerActor, requestID: String?) -> LedgerDraft {
        LedgerDraft(
            actor: actor,
            recipient: partner,
            action: .notification,
            caseIDs: [id.text],
            purpose: purpose,
            requestID: requestID,
            details: ["kind": kind.rawValue]
        )
    }
}
