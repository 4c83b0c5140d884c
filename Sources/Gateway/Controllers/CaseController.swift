import CaseModel
import Foundation
import Hummingbird
import Storage

/// Caseworkers record and progress cases: `/v1/cases`.
struct CaseController {
    let store: any CaseStore
    let clock: ServiceClock
    let json: StrictJSONDecoding
    let audit: Audit
    let now: @Sendable () -> Date

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group
            .post(use: create)
            .get(use: list)
            .get("{id}", use: get)
            .post("{id}/events", use: addEvent)
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<CaseResponse> {
        let body = try await json.decode(NewCaseRequest.self, from: request)
        let now = now()
        try body.validate(now: now)
        let newCase = body.makeCase(now: now)
        // The case and its ledger entry are written in one transaction: both, or (full disk, say) neither.
        let draft = audit.staffDraft(try context.requireUser(), .collection, caseIDs: [newCase.id], requestID: context.requestID)
        let (stored, _) = try await store.create(newCase, recordedBy: draft, in: audit.ledger)
        context.logger.info("case created", metadata: ["case": "\(stored.id)", "category": "\(stored.category.rawValue)"])
        return EditedResponse(
            status: .created,
            headers: [.location: "/v1/cases/\(stored.id.uuidString)"],
            response: CaseResponse(stored, clock: clock, today: CalendarDate(now))
        )
    }

    @Sendable func get(_ request: Request, context: StaffRequestContext) async throws -> CaseResponse {
        let id = try caseID(context)
        guard let found = try await store.get(id) else { throw Problem.notFound("no case \(id.uuidString)") }
        try await audit.staff(try context.requireUser(), .consultation, caseIDs: [id], requestID: context.requestID)
        return CaseResponse(found, clock: clock, today: CalendarDate(now()))
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
        let body = try await json.decode(NewEventRequest.self, from: request)
        let event = try body.makeEvent(author: user.id, now: now())
        let draft = audit.staffDraft(user, .alteration, caseIDs: [id], requestID: context.requestID, details: ["event": event.kind.rawValue])
        let (updated, _) = try await store.update(id, recordedBy: draft, in: audit.ledger) { c in try c.record(event) }
        context.logger.info("case event recorded", metadata: ["case": "\(id)", "event": "\(event.kind.rawValue)"])
        return EditedResponse(status: .created, response: CaseResponse(updated, clock: clock, today: CalendarDate(now())))
    }

    private func caseID(_ context: StaffRequestContext) throws -> UUID {
        let text = try context.parameters.require("id")
        guard let id = UUID(uuidString: text) else { throw Problem.notFound("no case \(text)") }
        return id
    }
}
