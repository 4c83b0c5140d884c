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
        let draft = audit.staffDraft(user, .alteration, caseIDs: [id], requestID: requestID, details: ["event": event.kind.rawValue])
        return try await store.update(id, recordedBy: draft, in: audit.ledger) { c in
            try expected.check(c)
            try c.record(event)
        }.0
    }

    /// One amendment: tried on the current case first (a change that changes nothing writes nothing, and
    /// is recorded as a consultation), then made in the store's transaction with its ledger entry.
    func change(
        _ id: UUID,
        expected: VersionPrecondition,
        by user: StaffUser,
        requestID: String,
        _ apply: @escaping @Sendable (inout ASBCase, Date) throws -> [String]
    ) async throws -> ASBCase {
        let now = now()
        guard var trial = try await store.get(id) else { throw Problem.notFound("no case \(id.uuidString)") }
        try expected.check(trial)
        let fields = try Self.mapViolations { try apply(&trial, now) }
        guard !fields.isEmpty else {
            try await audit.staff(user, .consultation, caseIDs: [id], requestID: requestID)
            return trial
        }
        let draft = audit.staffDraft(user, .alteration, caseIDs: [id], requestID: requestID, details: ["fields": fields.joined(separator: ",")])
        return try await store.update(id, recordedBy: draft, in: audit.ledger) { c in
            try expected.check(c)
            _ = try Self.mapViolations { try apply(&c, now) }
        }.0
    }

    private static func mapViolations<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch AmendmentViolation.noSuchParty(let person) {
            throw Problem.notFound("the case has no party \(person.uuidString.lowercased())")
        } catch let violation as AmendmentViolation {
            throw Problem.unprocessable(violation.description)
        }
    }
}
