import CaseModel
import Foundation
import Hummingbird

/// The IG console's register of data subject requests (`SubjectRequestRegister`): each request with its
/// kind, dates, deadline, status and the cases found, overdue ones highlighted; CSV. Requests are recorded
/// and progressed through `/v1/subject-requests`.
struct RequestRegisterPages {
    let register: SubjectRequestRegister
    let now: @Sendable () -> Date

    func addRoutes(to console: RouterGroup<StaffRequestContext>) {
        console.get("requests", use: page)
        console.get("requests.csv", use: csv)
    }

    @Sendable func page(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let requests = try await register.requests(today: CalendarDate(now()))
        let rows = requests.map { r -> [String: Any] in
            [
                "id": r.id, "kind": r.kind, "received": r.receivedOn, "due": r.due, "extended": r.extended, "status": r.status,
                "overdue": r.overdue, "cases": r.caseIDs.map { ["id": $0] },
                "restrictions": r.restrictions.joined(separator: ", "),
            ]
        }
        let page: [String: Any] = ["rows": rows, "none": rows.isEmpty, "overdueCount": requests.filter(\.overdue).count]
        return try ConsoleTemplates.page("requests", title: "Data subject requests", page, context: context)
    }

    @Sendable func csv(_ request: Request, context: StaffRequestContext) async throws -> Response {
        SubjectRequestRegister.table(try await register.requests(today: CalendarDate(now()))).download(name: "subject-requests.csv")
    }
}
