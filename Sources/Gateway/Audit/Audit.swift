import ByteEncoding
import Crypto
import Foundation
import Hummingbird
import Ledger
import Redaction
import Storage

/// Turns what happened into ledger entries. Nothing here carries personal
/// data: ids, field paths, rules, justifications and hashes only.
public struct Audit: Sendable {
    let ledger: Ledger

    /// Records a disclosure; the body may be sent only after this returns.
    /// Throws a 503 problem when the entry cannot be made durable.
    func record(_ disclosure: LedgerDraft) async throws -> LedgerReceipt {
        try await durably { try await ledger.append([disclosure])[0] }
    }

    /// Records a disclosure only if `precondition` holds when its entry commits, and says which happened.
    func record(_ disclosure: LedgerDraft, if precondition: AppendPrecondition) async throws -> LedgerAppendOutcome {
        try await durably { try await ledger.append([disclosure], precondition: precondition) }
    }

    /// The entry for a disclosure of `body` to a partner. `bodySHA256` is the body's hash when the caller
    /// has it already (a cached view).
    func disclosureDraft(
        to partner: AuthenticatedPartner,
        under policy: CompiledPolicy,
        fields: DisclosedFields,
        caseIDs: [UUID],
        body: ByteBuffer,
        bodySHA256: String?,
        requestID: String
    ) -> LedgerDraft {
        LedgerDraft(
            actor: LedgerActor(kind: .partner, id: partner.partner.id, certificateFingerprint: partner.certificateFingerprint),
            recipient: partner.partner.id,
            action: .disclosure,
            caseIDs: caseIDs.map(\.text),
            purpose: policy.purpose.id,
            lawfulBasis: policy.purpose.lawfulBasis,
            policyVersion: policy.policyVersion,
            fields: fields,
            responseSHA256: bodySHA256 ?? body.withUnsafeReadableBytes { SHA256.hash(data: $0) }.hexString,
            requestID: requestID
        )
    }

    /// The entry for what a member of staff did, for a store to write with the change itself.
    func staffDraft(_ user: StaffUser, _ action: LedgerAction, caseIDs: [UUID], requestID: String, details: [String: String]? = nil) -> LedgerDraft {
        LedgerDraft(
            actor: LedgerActor(user),
            action: action,
            caseIDs: caseIDs.map(\.text),
            requestID: requestID,
            details: details
        )
    }

    /// Records what a member of staff did with cases.
    @discardableResult
    func staff(
        _ user: StaffUser,
        _ action: LedgerAction,
        caseIDs: [UUID],
        requestID: String,
        details: [String: String]? = nil
    ) async throws -> LedgerReceipt {
        try await append(staffDraft(user, action, caseIDs: caseIDs, requestID: requestID, details: details))
    }

    /// Records that a policy set took effect.
    func policyLoad(_ set: CompiledPolicySet, requestID: String, by user: StaffUser? = nil) async throws {
        let actor = user.map(LedgerActor.init) ?? .system
        _ = try await append(
            LedgerDraft(
                actor: actor,
                action: .policyLoad,
                policyVersion: set.version,
                requestID: requestID,
                details: ["partners": set.policySet.policies.map(\.partner.id).joined(separator: ",")]
            )
        )
    }

    /// A refused sign-in: the user when known (never the token), the method and why.
    func signInRefused(userID: String?, method: String, reason: String, requestID: String) async throws {
        let draft = LedgerDraft(
            actor: LedgerActor(kind: .staff, id: userID ?? "unknown"),
            action: .signInRefused,
            caseIDs: [],
            requestID: requestID,
            details: ["method": method, "reason": reason]
        )
        _ = try await append(draft)
    }

    private func append(_ draft: LedgerDraft) async throws -> LedgerReceipt {
        try await durably { try await ledger.append([draft])[0] }
    }

    /// Any failure to make an entry durable is a 503: nothing was disclosed or recorded.
    private func durably<T>(_ append: () async throws -> T) async throws -> T {
        do {
            return try await append()
        } catch {
            throw Problem.unavailable("the audit ledger cannot be written just now; nothing was disclosed or recorded")
        }
    }
}

extension LedgerActor {
    /// A member of staff, by id and role: never their name.
    init(_ user: StaffUser) {
        self.init(kind: .staff, id: user.id, role: user.role.rawValue)
    }
}

extension RequestContext {
    /// The id Hummingbird gave this request; it goes in the ledger so a log line and an entry can be matched.
    var requestID: String {
        logger[metadataKey: "hb.request.id"].map { "\($0)" } ?? UUID().text
    }

}
