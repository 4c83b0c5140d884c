import ByteEncoding
import CaseModel
import Crypto
import Foundation
import Hummingbird
import Ledger
import Reports
import Storage

/// IG officers' register of data subject requests, `/v1/subject-requests`: record a request against a
/// person found through the blind party index (the name is searched, never stored), extend its deadline
/// (Art 12(3)), erase one party's data for an erasure request (with notices to recipients, in the same
/// transaction), and complete it. Every step is a ledger entry (`SubjectRequestRegister`).
struct SubjectRequestController {
    let operations: CaseOperations
    let retention: RetentionService
    let json: StrictJSONDecoding

    private var register: SubjectRequestRegister { SubjectRequestRegister(ledger: operations.audit.ledger) }
    private var today: CalendarDate { CalendarDate(operations.now()) }

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group
            .post(use: receive)
            .get(use: list)
            .get("{request}", use: one)
            .post("{request}/extension", use: extend)
            .post("{request}/erasure", use: erase)
            .post("{request}/restriction", use: restrict)
            .delete("{request}/restriction", use: lift)
            .post("{request}/completion", use: complete)
    }

    struct NewRequest: Codable, Sendable {
        var name: String
        var dateOfBirth: CalendarDate?
        var kind: SubjectRequestRegister.Kind
        var receivedOn: CalendarDate
    }

    struct Extension: Codable, Sendable { var grounds: SubjectRequestRegister.Grounds }
    /// One party's data (`person_id`), or without it the whole case.
    struct Erasure: Codable, Sendable {
        var caseId: String
        var personId: String?
    }
    struct Completion: Codable, Sendable { var outcome: SubjectRequestRegister.Outcome }
    /// One party's data (`person_id`), or without it the whole case; the reason defaults to naming the request.
    struct Restriction: Codable, Sendable {
        var caseId: String
        var personId: String?
        var reason: String?
    }

    struct Register: ResponseEncodable, Sendable { var requests: [SubjectRequestRegister.Request] }

    @Sendable func receive(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<SubjectRequestRegister.Request> {
        let body = try await json.decode(NewRequest.self, from: request)
        guard !body.name.trimmingCharacters(in: .whitespaces).isEmpty else { throw Problem.badRequest("'name' must not be empty") }
        guard body.receivedOn <= today else { throw Problem.badRequest("'received_on' is in the future") }
        let cases = try await operations.store.caseIDs(partyName: body.name, dateOfBirth: body.dateOfBirth).map(\.text)
        let id = "sr-" + SymmetricKey(size: .bits128).withUnsafeBytes { Array($0.prefix(6)) }.hexString
        let new = SubjectRequestRegister.Request(
            id: id,
            kind: body.kind.rawValue,
            receivedOn: body.receivedOn.description,
            due: SubjectRequestRegister.due(receivedOn: body.receivedOn, extended: false).description,
            extended: false,
            status: "open",
            caseIDs: cases,
            entries: [],
            overdue: false
        )
        try await record(.received, of: new, caseIDs: cases, context: context)
        guard let stored = try await register.request(id, today: today) else { throw Problem.notFound("no request \(id)") }
        return EditedResponse(status: .created, headers: [.location: "/v1/subject-requests/\(id)"], response: stored)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let requests = try await register.requests(today: today)
        guard request.uri.queryParameters["format"] == "csv" else {
            return try Register(requests: requests).response(from: request, context: context)
        }
        return SubjectRequestRegister.table(requests).download(name: "subject-requests.csv")
    }

    @Sendable func one(_ request: Request, context: StaffRequestContext) async throws -> SubjectRequestRegister.Request {
        try await open(context, mustBeOpen: false)
    }

    @Sendable func extend(_ request: Request, context: StaffRequestContext) async throws -> SubjectRequestRegister.Request {
        let body = try await json.decode(Extension.self, from: request)
        var current = try await open(context)
        guard !current.extended else { throw Problem.unprocessable("request \(current.id) has been extended already; it can be extended once") }
        current.due = SubjectRequestRegister.due(receivedOn: CalendarDate(current.receivedOn)!, extended: true).description
        try await record(.extended, of: current, caseIDs: current.caseIDs, context: context, extra: ["grounds": body.grounds.rawValue])
        return try await open(context, mustBeOpen: false)
    }

    @Sendable func erase(_ request: Request, context: StaffRequestContext) async throws -> SubjectRequestRegister.Request {
        let body = try await json.decode(Erasure.self, from: request)
        let current = try await open(context)
        guard current.kind == SubjectRequestRegister.Kind.erasure.rawValue else {
            throw Problem.unprocessable("request \(current.id) is a request for \(current.kind), not erasure")
        }
        let caseID = try Self.foundCase(body.caseId, by: current)
        let user = try context.requireUser()
        let step = try draft(
            .erased,
            of: current,
            caseIDs: [caseID.text],
            context: context,
            extra: ["scope": body.personId == nil ? "case" : "party"]
        )
        guard let personText = body.personId else {
            // The whole case, as a purge: its data key destroyed, an erasure entry, recipients told.
            guard let c = try await operations.store.get(caseID) else { throw Problem.notFound("no case \(caseID.text)") }
            let erased = try await retention.sweeper().erase(
                [(caseID.text, c.category.rawValue)],
                request: current.id,
                actor: LedgerActor(user)
            )
            guard erased == [caseID.text] else {
                throw Problem.unprocessable("case \(caseID.text) is under a legal hold; it was not erased")
            }
            _ = try await operations.audit.record(step)
            return try await open(context, mustBeOpen: false)
        }
        guard let person = UUID(text: personText) else { throw Problem.badRequest("'person_id' must be a party id") }
        _ = try await operations.change(caseID, expected: VersionPrecondition(version: nil), by: user, requestID: context.requestID, also: [step]) {
            c,
            now in
            try c.eraseParty(person, at: now)
        }
        return try await open(context, mustBeOpen: false)
    }

    @Sendable func restrict(_ request: Request, context: StaffRequestContext) async throws -> SubjectRequestRegister.Request {
        try await restriction(true, request, context)
    }

    @Sendable func lift(_ request: Request, context: StaffRequestContext) async throws -> SubjectRequestRegister.Request {
        try await restriction(false, request, context)
    }

    /// Restricts (or lifts) a case the request found, or the person's data in it, with the register's step in
    /// the same transaction as the case's event and the notices to recipients.
    private func restriction(_ restricted: Bool, _ request: Request, _ context: StaffRequestContext) async throws -> SubjectRequestRegister.Request {
        let body = try await json.decode(Restriction.self, from: request)
        // A restriction placed for a request may be lifted after it is completed (an objection decided later).
        let current = try await open(context, mustBeOpen: restricted)
        guard let kind = SubjectRequestRegister.Kind(rawValue: current.kind), SubjectRequestRegister.restrictable.contains(kind) else {
            throw Problem.unprocessable(
                "request \(current.id) is a request for \(current.kind); restriction answers restriction, rectification or objection requests"
            )
        }
        let caseID = try Self.foundCase(body.caseId, by: current)
        let party = try RestrictionController.party(body.personId)
        let scope = caseID.text + (party.map { "/" + $0.text.lowercased() } ?? "")
        if !restricted, !current.restrictions.contains(scope) {
            throw Problem.unprocessable("request \(current.id) placed no restriction on \(scope) that stands")
        }
        let user = try context.requireUser()
        let step = try draft(
            restricted ? .restricted : .lifted,
            of: current,
            caseIDs: [caseID.text],
            context: context,
            extra: ["restriction": scope]
        )
        _ = try await operations.restrict(
            restricted,
            case: caseID,
            party: party,
            reason: body.reason ?? "data subject request \(current.id) (\(current.kind))",
            expected: VersionPrecondition(version: nil),
            by: user,
            requestID: context.requestID,
            also: [step]
        )
        return try await open(context, mustBeOpen: false)
    }

    @Sendable func complete(_ request: Request, context: StaffRequestContext) async throws -> SubjectRequestRegister.Request {
        let body = try await json.decode(Completion.self, from: request)
        let current = try await open(context)
        try await record(.completed, of: current, caseIDs: current.caseIDs, context: context, extra: ["outcome": body.outcome.rawValue])
        return try await open(context, mustBeOpen: false)
    }

    /// The request the route names; one completed already is 422 when a step needs it open.
    private func open(_ context: StaffRequestContext, mustBeOpen: Bool = true) async throws -> SubjectRequestRegister.Request {
        let id = try context.parameters.require("request")
        guard let found = try await register.request(id, today: today) else { throw Problem.notFound("no request \(id)") }
        if mustBeOpen, found.status != "open" { throw Problem.unprocessable("request \(id) is \(found.status) already") }
        return found
    }

    /// The case `text` names, which must be one the request found.
    private static func foundCase(_ text: String, by request: SubjectRequestRegister.Request) throws -> UUID {
        guard let id = UUID(text: text), request.caseIDs.contains(id.text) else {
            throw Problem.unprocessable("'case_id' must be one of the cases this request found")
        }
        return id
    }

    /// The entry for a step of `request` taken by the signed-in user.
    private func draft(
        _ step: SubjectRequestRegister.Step,
        of request: SubjectRequestRegister.Request,
        caseIDs: [String],
        context: StaffRequestContext,
        extra: [String: String] = [:]
    ) throws -> LedgerDraft {
        SubjectRequestRegister.draft(
            step,
            of: request,
            actor: LedgerActor(try context.requireUser()),
            caseIDs: caseIDs,
            requestID: context.requestID,
            extra: extra
        )
    }

    /// Records a step that changes no case.
    private func record(
        _ step: SubjectRequestRegister.Step,
        of request: SubjectRequestRegister.Request,
        caseIDs: [String],
        context: StaffRequestContext,
        extra: [String: String] = [:]
    ) async throws {
        _ = try await operations.audit.record(try draft(step, of: request, caseIDs: caseIDs, context: context, extra: extra))
    }

}
