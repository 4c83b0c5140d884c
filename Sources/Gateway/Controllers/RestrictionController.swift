import ByteEncoding
import CaseModel
import Foundation
import Hummingbird
import Storage

/// IG officers restrict the processing of a case, or of one person's data within it (UK GDPR Art 18), and
/// lift the restriction: `POST` and `DELETE /v1/cases/{id}/restriction`, each with the reason and, for one
/// person, their `person_id`. A restricted case is withheld from every partner (views 404, as for a case
/// that does not exist) and each partner that received it gets a `withdrawn` notice; a restricted person is
/// left out of every view, and partners whose view changes get `updated`. Notices are written in the same
/// transaction; lifting it sends `updated` to each partner that may see the case again.
struct RestrictionController {
    let operations: CaseOperations
    let json: StrictJSONDecoding

    struct Restriction: Codable, Sendable {
        var reason: String
        /// One party of the case; the whole case when left out.
        var personId: String?
    }

    func addRoutes(to cases: RouterGroup<StaffRequestContext>) {
        cases.post("{id}/restriction", use: restrict)
        cases.delete("{id}/restriction", use: lift)
    }

    @Sendable func restrict(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<RestrictionState> {
        try await record(true, request, context)
    }

    @Sendable func lift(_ request: Request, context: StaffRequestContext) async throws -> EditedResponse<RestrictionState> {
        try await record(false, request, context)
    }

    struct RestrictionState: ResponseEncodable, Sendable {
        var caseID: String
        var personID: String?
        var restricted: Bool
        var version: Int

        init(_ c: ASBCase, party: UUID?) {
            caseID = c.id.text
            personID = party?.text.lowercased()
            restricted = party.map(c.isRestricted(party:)) ?? c.isRestricted
            version = c.version
        }
    }

    /// A party id from a request body; 400 when it is not one.
    static func party(_ text: String?) throws -> UUID? {
        guard let text else { return nil }
        guard let id = UUID(text: text) else { throw Problem.badRequest("'person_id' must be a party id") }
        return id
    }

    private func record(_ restricted: Bool, _ request: Request, _ context: StaffRequestContext) async throws -> EditedResponse<RestrictionState> {
        let id = try context.caseID()
        let body = try await json.decode(Restriction.self, from: request)
        let party = try Self.party(body.personId)
        let c = try await operations.restrict(
            restricted,
            case: id,
            party: party,
            reason: body.reason,
            expected: try VersionPrecondition(request, required: false),
            by: try context.requireUser(),
            requestID: context.requestID
        )
        return EditedResponse(
            status: restricted ? .created : .ok,
            headers: [.eTag: VersionPrecondition.eTag(c.version)],
            response: RestrictionState(c, party: party)
        )
    }
}
