import ByteEncoding
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
    let operations: CaseOperations
    let clock: ServiceClock
    let json: StrictJSONDecoding

    private var store: any CaseStore { operations.store }
    private var audit: Audit { operations.audit }
    private var now: @Sendable () -> Date { operations.now }

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

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<CaseResponse> {
        let body = try await json.decode(NewCaseRequest.self, from: request)
        // The case and its ledger entry are written in one transaction: both, or (full disk, say) neither.
        let stored = try await operations.create(body, by: try context.requireUser(), requestID: context.requestID)
        context.logger.info("case created", metadata: ["case": "\(stored.id)", "category": "\(stored.category.rawValue)"])
        return response(stored, status: .created, headers: [.location: "/v1/cases/\(stored.id.text)"])
    }

    @Sendable func get(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<CaseResponse> {
        let id = try context.caseID()
        guard let found = try await store.get(id) else { throw Problem.notFound("no case \(id.text)") }
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
        let id = try context.caseID()
        let expected = try VersionPrecondition(request, required: false)
        let body = try await json.decode(NewEventRequest.self, from: request)
        if body.kind.isRecordedElsewhere {
            throw Problem.unprocessable(
                "'\(body.kind.rawValue)' is not recorded here: remove a party with DELETE /v1/cases/{id}/parties/{person_id}; IG officers restrict processing at /v1/cases/{id}/restriction"
            )
        }
        let updated = try await operations.record(body, on: id, expected: expected, by: try context.requireUser(), requestID: context.requestID)
        context.logger.info("case event recorded", metadata: ["case": "\(id)", "event": "\(body.kind.rawValue)"])
        return response(updated, status: .created)
    }

    @Sendable func amend(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<CaseResponse> {
        let expected = try VersionPrecondition(request, required: true)
        let amendment = try await CaseAmendmentRequest.read(request, maxBodyBytes: json.maxBodyBytes, wards: operations.wards)
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
        let person = try context.personID()
        let amendment = try await PartyAmendmentRequest.read(request, maxBodyBytes: json.maxBodyBytes, now: now())
        return try await change(request, context, expected) { c, now in try c.amendParty(person, amendment, at: now) }
    }

    @Sendable func removeParty(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<CaseResponse> {
        let expected = try VersionPrecondition(request, required: true)
        let person = try context.personID()
        let body = try await json.decode(PartyRemovalRequest.self, from: request)
        guard !body.reason.trimmed.isEmpty else { throw Problem.badRequest("'reason' must say why the party was recorded in error") }
        let user = try context.requireUser()
        return try await change(request, context, expected) { c, now in try c.removeParty(person, reason: body.reason, by: user.id, at: now) }
    }

    /// One amendment through `CaseOperations`, answered with the case and its new `ETag`.
    private func change(
        _ request: Request,
        _ context: StaffRequestContext,
        _ expected: VersionPrecondition,
        status: HTTPResponse.Status = .ok,
        _ apply: @escaping @Sendable (inout ASBCase, Date) throws -> [String]
    ) async throws -> EditedResponse<CaseResponse> {
        let id = try context.caseID()
        let updated = try await operations.change(id, expected: expected, by: try context.requireUser(), requestID: context.requestID, apply)
        context.logger.info("case amended", metadata: ["case": "\(id)", "version": "\(updated.version)"])
        return response(updated, status: status)
    }

    private func response(_ c: ASBCase, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> EditedResponse<CaseResponse> {
        var headers = headers
        headers[.eTag] = VersionPrecondition.eTag(c.version)
        return EditedResponse(status: status, headers: headers, response: CaseResponse(c, clock: clock, today: CalendarDate(now())))
    }

}
