import CaseModel
import Foundation
import Hummingbird
import Storage

/// IG officers restrict the processing of a case (UK GDPR Art 18) and lift the restriction:
/// `POST` and `DELETE /v1/cases/{id}/restriction`, each with the reason. A restricted case is withheld from
/// every partner (views 404, as for a case that does not exist), and each partner that received it gets a
/// `withdrawn` notice, in the same transaction; lifting it sends `updated` to each partner that may see it.
struct RestrictionController {
    let operations: CaseOperations
    let json: StrictJSONDecoding

    struct Reason: Codable, Sendable {
        var reason: String
    }

    func addRoutes(to cases: RouterGroup<StaffRequestContext>) {
        cases.post("{id}/restriction", use: restrict)
        cases.delete("{id}/restriction", use: lift)
    }

    @Sendable func restrict(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<RestrictionState> {
        try await record(.processingRestricted, request, context)
    }

    @Sendable func lift(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<RestrictionState> {
        try await record(.restrictionLifted, request, context)
    }

    struct RestrictionState: ResponseEncodable, Sendable {
        var caseID: String
        var restricted: Bool
        var version: Int
    }

    private func record(_ kind: CaseEventKind, _ request: Request, _ context: StaffRequestContext) async throws -> EditedResponse<RestrictionState> {
        let id = try context.caseID()
        let body = try await json.decode(Reason.self, from: request)
        guard !body.reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw Problem.badRequest("'reason' must say why (the request it answers)")
        }
        let event = NewEventRequest(kind: kind, at: nil, note: body.reason, interviewMode: nil, category: nil)
        let expected = try VersionPrecondition(request, required: false)
        let c = try await operations.record(event, on: id, expected: expected, by: try context.requireUser(), requestID: context.requestID)
        return EditedResponse(
            status: kind == .processingRestricted ? .created : .ok,
            headers: [.eTag: VersionPrecondition.eTag(c.version)],
            response: RestrictionState(caseID: c.id.uuidString, restricted: c.isRestricted, version: c.version)
        )
    }
}
