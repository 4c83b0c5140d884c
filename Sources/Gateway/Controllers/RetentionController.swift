import ByteEncoding
import CaseModel
import Foundation
import Hummingbird
import Ledger
import Logging
import Retention
import ServiceLifecycle
import SharingPolicy
import Storage

/// Admins run retention: sweeps (`/v1/retention/sweeps`) and legal holds (`/v1/cases/{id}/hold`).
struct RetentionController {
    let service: RetentionService

    func addRoutes(sweeps: RouterGroup<StaffRequestContext>, cases: RouterGroup<StaffRequestContext>) {
        sweeps
            .post(use: start)
            .get(use: list)
            .get("{id}", use: one)
        cases
            .post("{id}/hold", use: placeHold)
            .delete("{id}/hold", use: liftHold)
    }

    struct StartRequest: Codable {
        var dryRun: Bool
        /// A completed dry run to purge as reviewed (`dry_run` false).
        var reviewOf: String?
    }

    /// Starts a sweep in the background and answers at once with its id; poll `GET /v1/retention/sweeps/{id}`.
    @Sendable func start(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<SweepView> {
        let body = try await service.json.decode(StartRequest.self, from: request)
        let user = try context.requireUser()
        let id = try await service.start(
            dryRun: body.dryRun,
            reviewOf: body.reviewOf,
            actor: LedgerActor(user)
        )
        let record = try await service.store.sweep(id: id)
        return EditedResponse(
            status: .accepted,
            headers: [.location: "/v1/retention/sweeps/\(id)"],
            response: SweepView(
                record: record
                    ?? SweepRecord(
                        id: id,
                        startedAt: Date(),
                        finishedAt: nil,
                        state: "running",
                        dryRun: body.dryRun,
                        scheduleVersion: "",
                        startedBy: user.id,
                        summary: nil
                    )
            )
        )
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> SweepList {
        SweepList(sweeps: try await service.store.sweeps().map { SweepView(record: $0, withCaseIDs: false) })
    }

    @Sendable func one(_ request: Request, context: StaffRequestContext) async throws -> SweepView {
        let id = try context.parameters.require("id")
        guard let record = try await service.store.sweep(id: id) else { throw Problem.notFound("no sweep \(id)") }
        return SweepView(record: record)
    }

    struct HoldRequest: Codable {
        var reason: String
    }

    @Sendable func placeHold(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<HoldView> {
        let id = try context.caseID()
        let body = try await service.json.decode(HoldRequest.self, from: request)
        let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 500 else { throw Problem.badRequest("'reason' must be 1 to 500 characters") }
        let user = try context.requireUser()
        // The hold and its ledger entry are written together, or neither is.
        let draft = service.audit.staffDraft(user, .legalHoldPlaced, caseIDs: [id], requestID: context.requestID)
        let placed = try await service.store.placeHold(caseID: id.text, reason: reason, by: user.id, recordedBy: draft, in: service.ledger)
        return EditedResponse(status: placed ? .created : .ok, response: HoldView(caseId: id.text, held: true))
    }

    @Sendable func liftHold(_ request: Request, context: StaffRequestContext) async throws -> HoldView {
        let id = try context.caseID()
        let user = try context.requireUser()
        let draft = service.audit.staffDraft(user, .legalHoldLifted, caseIDs: [id], requestID: context.requestID)
        guard try await service.store.liftHold(caseID: id.text, recordedBy: draft, in: service.ledger) else {
            throw Problem.notFound("case \(id.text) is not under a legal hold")
        }
        return HoldView(caseId: id.text, held: false)
    }

    struct HoldView: ResponseEncodable {
        var caseId: String
        var held: Bool
    }

    struct SweepList: ResponseEncodable {
        var sweeps: [SweepView]
    }

    struct SweepView: ResponseEncodable {
        var id: String
        var state: String
        var dryRun: Bool
        var startedAt: Date
        var finishedAt: Date?
        var startedBy: String
        var scheduleVersion: String
        var summary: SweepSummary?

        init(record: SweepRecord, withCaseIDs: Bool = true) {
            id = record.id
            state = record.state
            dryRun = record.dryRun
            startedAt = record.startedAt
            finishedAt = record.finishedAt
            startedBy = record.startedBy
            scheduleVersion = record.scheduleVersion
            summary = SweepSummary.decode(record.summary).map { s in
                guard !withCaseIDs else { return s }
                var brief = s
                brief.purgedCaseIDs = []
                brief.reviewCaseIDs = []
                brief.heldCaseIDs = []
                return brief
            }
        }
    }
}
