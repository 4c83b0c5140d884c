import ByteEncoding
import CaseModel
import Foundation
import Ledger
import SharingPolicy
import Storage

/// What caseworkers do to cases, for the staff API and the casework pages alike. Each change and its
/// ledger entry are written in one transaction; an amendment is made against the version the caseworker
/// read (see `VersionPrecondition`), and its entry lists the changed field paths, never their values.
struct CaseOperations: Sendable {
    let store: any CaseStore
    let audit: Audit
    let policies: PolicyStore
    let now: @Sendable () -> Date

    /// The council's wards in force.
    var wards: WardList? { policies.current.policySet.wards }

    /// Records a new report.
    func create(_ body: NewCaseRequest, by user: StaffUser, requestID: String) async throws -> ASBCase {
        let now = now()
        try body.validate(now: now, wards: wards)
        let newCase = body.makeCase(now: now)
        let draft = audit.staffDraft(user, .collection, caseIDs: [newCase.id], requestID: requestID)
        return try await store.create(newCase, recordedBy: draft, in: audit.ledger).0
    }

    /// Records an event; `expected` is checked when it names a version.
    func record(_ body: NewEventRequest, on id: UUID, expected: VersionPrecondition, by user: StaffUser, requestID: String) async throws -> ASBCase {
        let event = try body.makeEvent(author: user.id, now: now())
        let details: @Sendable ([String]) -> [String: String] = { _ in ["event": event.kind.rawValue] }
        return try await write(id, expected: expected, by: user, requestID: requestID, details: details) { c, _ in
            try c.record(event)
            return ["event"]
        }
    }

    /// Restricts the processing of the case, or of one party's data within it (UK GDPR Art 18), or lifts it:
    /// an event with the reason, and notices to recipients (`withdrawn` for a case; `updated` for a person,
    /// whose data leaves the view). `also` as for `change`.
    func restrict(
        _ restricted: Bool,
        case id: UUID,
        party: UUID?,
        reason: String,
        expected: VersionPrecondition,
        by user: StaffUser,
        requestID: String,
        also: [LedgerDraft] = []
    ) async throws -> ASBCase {
        guard !reason.trimmed.isEmpty, reason.count <= 2000 else {
            throw Problem.badRequest("'reason' must say why (the request it answers), in at most 2,000 characters")
        }
        let now = now()
        let kind: CaseEventKind = restricted ? .processingRestricted : .restrictionLifted
        let event = CaseEvent(kind: kind, at: now, recordedAt: now, author: user.id, note: reason, party: party)
        let details: @Sendable ([String]) -> [String: String] = { _ in ["event": kind.rawValue, "scope": party == nil ? "case" : "party"] }
        return try await write(id, expected: expected, by: user, requestID: requestID, details: details, also: also) { c, _ in
            try c.record(event)
            return ["event"]
        }
    }

    /// One amendment: tried on the current case first (a change that changes nothing writes nothing, and
    /// is recorded as a consultation), then made in the store's transaction with its ledger entry.
    /// `also` are further entries the change is recorded with (a step of a data subject's request).
    func change(
        _ id: UUID,
        expected: VersionPrecondition,
        by user: StaffUser,
        requestID: String,
        also: [LedgerDraft] = [],
        _ apply: @escaping @Sendable (inout ASBCase, Date) throws -> [String]
    ) async throws -> ASBCase {
        let details: @Sendable ([String]) -> [String: String] = { ["fields": $0.joined(separator: ",")] }
        return try await write(id, expected: expected, by: user, requestID: requestID, details: details, also: also, apply)
    }

    /// Every write to a case: the change tried on the case as read (so its notices to recipients can be worked
    /// out from the views before and after), then made in one transaction with its `alteration` entry and those
    /// notices, against the version read. A caller that named no version is retried when another change got
    /// in between; one that did gets 412.
    private func write(
        _ id: UUID,
        expected: VersionPrecondition,
        by user: StaffUser,
        requestID: String,
        details: @escaping @Sendable ([String]) -> [String: String],
        also: [LedgerDraft] = [],
        _ apply: @escaping @Sendable (inout ASBCase, Date) throws -> [String]
    ) async throws -> ASBCase {
        let notices = RecipientNotices(policies: policies, ledger: audit.ledger)
        for attempt in 1...3 {
            let now = now()
            guard let before = try await store.get(id) else { throw Problem.notFound("no case \(id.text)") }
            try expected.check(before)
            var after = before
            let fields = try Self.mapViolations { try apply(&after, now) }
            guard !fields.isEmpty else {
                try await audit.staff(user, .consultation, caseIDs: [id], requestID: requestID)
                return before
            }
            let draft = audit.staffDraft(user, .alteration, caseIDs: [id], requestID: requestID, details: details(fields))
            let told = try await notices.drafts(before: before, after: after, today: CalendarDate(now), actor: draft.actor, requestID: requestID)
            let read = VersionPrecondition(version: before.version)
            do {
                return try await store.update(id, recordedBy: [draft] + also + told, in: audit.ledger) { c in
                    try read.check(c)
                    _ = try Self.mapViolations { try apply(&c, now) }
                }.0
            } catch let problem as Problem where problem.status == .preconditionFailed && expected.version == nil && attempt < 3 {
                continue
            }
        }
        throw Problem(.conflict, type: "busy-case", detail: "the case kept changing while this change was made; try again")
    }

    private static func mapViolations<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch AmendmentViolation.noSuchParty(let person) {
            throw Problem.notFound("the case has no party \(person.text.lowercased())")
        } catch CaseRuleViolation.noSuchParty(let person) {
            throw Problem.notFound("the case has no party \(person.text.lowercased())")
        } catch let violation as AmendmentViolation {
            throw Problem.unprocessable(violation.description)
        }
    }
}
