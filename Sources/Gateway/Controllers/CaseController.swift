import CaseModel
import Foundation
import Hummingbird
import Ledger
import SharingPolicy
import Storage

/// Caseworkers record, progress and amend cases: `/v1/cases`.
///
/// Every amendment (a merge patch of the case, a party added, corrected or removed) is made against the
/// version the caseworker last read: its `ETag`, sent back as `If-Match` (428 without it, 412 when the case
/// has changed since). The case and its ledger `alteration` entry, which lists the changed field paths and
/// never their values, are written in one transaction. Events are appended, never overwritten, so
/// `If-Match` is checked on them when sent but not required.
struct CaseController {
    let store: any CaseStore
    let clock: ServiceClock
    let json: StrictJSONDecoding
    let audit: Audit
    let policies: PolicyStore
    let now: @Sendable () -> Date

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group
            .post(use: create)
            .get(use: list)
            .get("{id}", use: get)
            .patch("{id}", use: amend)
            .post("{id}/events", use: addEvent)
            .post("{id}/parties", use: addParty)
            .patch("{id}/parties/{person}", use: amendParty)
            .delete("{id}/parties/{person}", use: removeParty)
    }

    private var wards: WardList? { policies.current.policySet.wards }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<CaseResponse> {
        let body = try await json.decode(NewCaseRequest.self, from: request)
        let now = now()
        try body.validate(now: now, wards: wards)
        let newCase = body.makeCase(now: now)
        // The case and its ledger entry are written in one transaction: both, or (full disk, say) neither.
        let draft = audit.staffDraft(try context.requireUser(), .collection, caseIDs: [newCase.id], requestID: context.requestID)
        let (stored, _) = try await store.create(newCase, recordedBy: draft, in: audit.ledger)
        context.logger.info("case created", metadata: ["case": "\(stored.id)", "category": "\(stored.category.rawValue)"])
        return response(stored, status: .created, headers: [.location: "/v1/cases/\(stored.id.uuidString)"])
    }

    @Sendable func get(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<CaseResponse> {
        let id = try caseID(context)
        guard let found = try await store.get(id) else { throw Problem.notFound("no case \(id.uuidString)") }
        try await audit.staff(try context.requireUser(), .consultation, caseIDs: [id], requestID: context.requestID)
        return response(found)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> CaseListResponse {
        let params = request.uri.queryParameters
        var query = CaseQuery()
        if let value = params["category"] {
            guard let category = Category(rawValue: String(value).uppercased()) else {
                throw Problem.badRequest("'category' must be A, B or C")
            }
            query.categories = [category]
        }
        if let value = params["status"] {
            guard let status = CaseStatus(rawValue: String(value)) else { throw Problem.badRequest("'status' must be open or closed") }
            query.statuses = [status]
        }
        if let ward = params["ward"] { query.wards = [String(ward)] }
        if let value = params["overdue"] {
            switch value {
            case "true": query.overdueOn = CalendarDate(now())
            case "false": break
            default: throw Problem.badRequest("'overdue' must be true or false")
            }
        }
        if let value = params["limit"] {
            guard let limit = Int(String(value)), (1...200).contains(limit) else {
                throw Problem.badRequest("'limit' must be a whole number from 1 to 200")
            }
            query.limit = limit
        }
        query.cursor = params["cursor"].map(String.init)
        let page = try await store.list(query)
        let today = CalendarDate(now())
        var cases = page.cases.map { CaseResponse($0, clock: clock, today: today) }
        // The stored column finds candidates; the clock has the final word on what is overdue today.
        if query.overdueOn != nil { cases = cases.filter(\.overdue) }
        if !cases.isEmpty {
            try await audit.staff(try context.requireUser(), .consultation, caseIDs: cases.map(\.case.id), requestID: context.requestID)
        }
        return CaseListResponse(cases: cases, nextCursor: page.nextCursor)
    }

    @Sendable func addEvent(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<CaseResponse> {
        let id = try caseID(context)
        let user = try context.requireUser()
        let expected = try VersionPrecondition(request, required: false)
        let body = try await json.decode(NewEventRequest.self, from: request)
        let event = try body.makeEvent(author: user.id, now: now())
        let draft = audit.staffDraft(user, .alteration, caseIDs: [id], requestID: context.requestID, details: ["event": event.kind.rawValue])
        let (updated, _) = try await store.update(id, recordedBy: draft, in: audit.ledger) { c in
            try expected.check(c)
            try c.record(event)
        }
        context.logger.info("case event recorded", metadata: ["case": "\(id)", "event": "\(event.kind.rawValue)"])
        return response(updated, status: .created)
    }

    @Sendable func amend(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<CaseResponse> {
        let expected = try VersionPrecondition(request, required: true)
        let amendment = try await CaseAmendmentRequest.read(request, maxBodyBytes: json.maxBodyBytes, wards: wards)
        return try await change(request, context, expected) { c, now in c.amend(amendment, at: now) }
    }

    @Sendable func addParty(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<CaseResponse> {
        let expected = try VersionPrecondition(request, required: true)
        let body = try await json.decode(NewCaseRequest.NewParty.self, from: request)
        let now = now()
        try CaseFieldRules.party(at: "", name: body.name, dateOfBirth: body.dateOfBirth, phone: body.phone, email: body.email, now: now)
        let party = body.makeParty()
        return try await change(request, context, expected, status: .created) { c, now in c.addParty(party, at: now) }
    }

    @Sendable func amendParty(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<CaseResponse> {
        let expected = try VersionPrecondition(request, required: true)
        let person = try personID(context)
        let amendment = try await PartyAmendmentRequest.read(request, maxBodyBytes: json.maxBodyBytes, now: now())
        return try await change(request, context, expected) { c, now in try c.amendParty(person, amendment, at: now) }
    }

    @Sendable func removeParty(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<CaseResponse> {
        let expected = try VersionPrecondition(request, required: true)
        let person = try personID(context)
        let body = try await json.decode(PartyRemovalRequest.self, from: request)
        guard !body.reason.trimmed.isEmpty else { throw Problem.badRequest("'reason' must say why the party was recorded in error") }
        let user = try context.requireUser()
        return try await change(request, context, expected) { c, now in try c.removeParty(person, reason: body.reason, by: user.id, at: now) }
    }

    /// One amendment: tried on the current case first (a change that changes nothing writes nothing), then
    /// made in the store's transaction with the ledger entry, against the version the caller read.
    private func change(
        _ request: Request,
        _ context: StaffRequestContext,
        _ expected: VersionPrecondition,
        status: HTTPResponse.Status = .ok,
        _ apply: @escaping @Sendable (inout ASBCase, Date) throws -> [String]
    ) async throws -> EditedResponse<CaseResponse> {
        let id = try caseID(context)
        let user = try context.requireUser()
        let now = now()
        guard var trial = try await store.get(id) else { throw Problem.notFound("no case \(id.uuidString)") }
        try expected.check(trial)
        let fields = try Self.mapViolations { try apply(&trial, now) }
        guard !fields.isEmpty else {
            try await audit.staff(user, .consultation, caseIDs: [id], requestID: context.requestID)
            return response(trial)
        }
        let draft = audit.staffDraft(
            user,
            .alteration,
            caseIDs: [id],
            requestID: context.requestID,
            details: ["fields": fields.joined(separator: ",")]
        )
        let (updated, _) = try await store.update(id, recordedBy: draft, in: audit.ledger) { c in
            try expected.check(c)
            _ = try Self.mapViolations { try apply(&c, now) }
        }
        context.logger.info("case amended", metadata: ["case": "\(id)", "fields": "\(fields.count)"])
        return response(updated, status: status)
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

    private func response(_ c: ASBCase, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> EditedResponse<CaseResponse> {
        var headers = headers
        headers[.eTag] = VersionPrecondition.eTag(c.version)
        return EditedResponse(status: status, headers: headers, response: CaseResponse(c, clock: clock, today: CalendarDate(now())))
    }

    private func caseID(_ context: StaffRequestContext) throws -> UUID {
        let text = try context.parameters.require("id")
        guard let id = UUID(uuidString: text) else { throw Problem.notFound("no case \(text)") }
        return id
    }

    private func personID(_ context: StaffRequestContext) throws -> UUID {
        let text = try context.parameters.require("person")
        guard let id = UUID(uuidString: text) else { throw Problem.notFound("the case has no party \(text)") }
        return id
    }
}

/// The case version an amendment is made against, from `If-Match` (RFC 9110 §13.1.1, strong comparison).
struct VersionPrecondition: Sendable {
    /// nil: any version (no header where none is required, or `*`).
    let version: Int?

    static func eTag(_ version: Int) -> String { "\"\(version)\"" }

    init(_ request: Request, required: Bool) throws(Problem) {
        guard let header = request.headers[.ifMatch]?.trimmingCharacters(in: .whitespaces) else {
            if required {
                throw Problem(
                    .preconditionRequired,
                    type: "precondition-required",
                    detail: "send If-Match with the case's ETag from your last read, so that no one's change is overwritten"
                )
            }
            version = nil
            return
        }
        if header == "*" {
            version = nil
            return
        }
        guard header.hasPrefix("\""), header.hasSuffix("\""), header.count > 2, let number = Int(header.dropFirst().dropLast()) else {
            throw Problem.badRequest("If-Match must be the case's ETag, such as \"3\"")
        }
        version = number
    }

    func check(_ c: ASBCase) throws(Problem) {
        guard let version, version != c.version else { return }
        throw Problem(
            .preconditionFailed,
            type: "stale-version",
            detail: "the case has changed since version \(version) (it is at version \(c.version)): read it again, then make the change",
            headers: [.eTag: Self.eTag(c.version)]
        )
    }
}
