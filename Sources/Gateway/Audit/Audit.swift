import Crypto
import Foundation
import ByteEncoding
import Hummingbird
import Ledger
import Redaction
import Storage

/// Turns what happened into ledger entries. Nothing here carries personal
/// data: ids, field paths, rules, justifications and hashes only.
public struct Audit: Sendable {
    let ledger: Ledger

    /// Records a disclosure of `body` to a partner; the body may be sent only after this returns.
    /// `bodySHA256` is the body's hash when the caller has it already (a cached view). With a `condition`
    /// (`CaseMarkCondition`) the entry is written only if it holds, else its own error is thrown.
    /// Throws a 503 problem when the entry cannot be made durable.
    func disclosure(
        to partner: AuthenticatedPartner, under policy: CompiledPolicy, caseIDs: [UUID], body: ByteBuffer,
        bodySHA256: String? = nil, condition: (any LedgerEffect)? = nil, requestID: String
    ) async throws -> LedgerReceipt {
        let draft = LedgerDraft(
            actor: LedgerActor(kind: .partner, id: partner.partner.id, certificateFingerprint: partner.certificateFingerprint),
            recipient: partner.partner.id,
            action: .disclosure,
            caseIDs: caseIDs.map(\.uuidString),
            purpose: policy.purpose.id,
            lawfulBasis: policy.purpose.lawfulBasis,
            policyVersion: policy.policyVersion,
            fields: policy.ledgerFields,
            responseSHA256: bodySHA256 ?? body.withUnsafeReadableBytes { SHA256.hash(data: $0) }.hexString,
            requestID: requestID
        )
        return try await append(draft, condition: condition)
    }

    /// The entry for what a member of staff did, for a store to write with the change itself.
    func staffDraft(_ user: StaffUser, _ action: LedgerAction, caseIDs: [UUID], requestID: String, details: [String: String]? = nil) -> LedgerDraft {
        LedgerDraft(actor: LedgerActor(kind: .staff, id: user.id, role: user.role.rawValue), action: action,
                    caseIDs: caseIDs.map(\.uuidString), requestID: requestID, details: details)
    }

    /// Records what a member of staff did with cases.
    @discardableResult
    func staff(_ user: StaffUser, _ action: LedgerAction, caseIDs: [UUID], requestID: String, details: [String: String]? = nil) async throws -> LedgerReceipt {
        try await append(staffDraft(user, action, caseIDs: caseIDs, requestID: requestID, details: details))
    }

    /// Records that a policy set took effect.
    func policyLoad(_ set: CompiledPolicySet, requestID: String, by user: StaffUser? = nil) async throws {
        let actor = user.map { LedgerActor(kind: .staff, id: $0.id, role: $0.role.rawValue) } ?? .system
        _ = try await append(LedgerDraft(
            actor: actor, action: .policyLoad, policyVersion: set.version, requestID: requestID,
            details: ["partners": set.policySet.policies.map(\.partner.id).joined(separator: ",")]
        ))
    }

    private func append(_ draft: LedgerDraft, condition: (any LedgerEffect)? = nil) async throws -> LedgerReceipt {
        do {
            return try await ledger.append([draft], effect: condition)[0]
        } catch let changed as CaseChangedSinceView {
            throw changed  // not a failure of the ledger: the caller builds the view again
        } catch {
            throw Problem.unavailable("the audit ledger cannot be written just now; nothing was disclosed or recorded")
        }
    }
}

extension RequestContext {
    /// The id Hummingbird gave this request; it goes in the ledger so a log line and an entry can be matched.
    var requestID: String {
        logger[metadataKey: "hb.request.id"].map { "\($0)" } ?? UUID().uuidString
    }
}
