import CaseModel
import Foundation
import Hummingbird
import Ledger
import Reports
import SharingPolicy

/// The data subject rights register, kept in the ledger itself: each step of a request (received,
/// extended, a party or case erased, a restriction placed or lifted, completed) is a `subject-request` entry naming the request id, the cases the
/// blind party index found, and dates, never the person's name; the register is those entries folded
/// together. So the register is as tamper-evident as the disclosures it answers for.
struct SubjectRequestRegister: Sendable {
    enum Kind: String, Codable, Sendable, CaseIterable {
        case access, rectification, erasure, restriction, objection
    }

    enum Step: String, Sendable {
        case received, extended, erased, restricted, lifted, completed
    }

    /// The kinds a restriction may answer (Art 18(1)): a restriction request, accuracy contested, an objection pending.
    static let restrictable: Set<Kind> = [.restriction, .rectification, .objection]

    /// Art 12(3): a further two months "taking into account the complexity and number of the requests".
    enum Grounds: String, Codable, Sendable, CaseIterable {
        case complexity, number
    }

    enum Outcome: String, Codable, Sendable, CaseIterable {
        case answered, refused, withdrawn
    }

    /// One request as the register shows it.
    struct Request: ResponseCodable, Sendable, Equatable {
        var id: String
        var kind: String
        var receivedOn: String
        var due: String
        var extended: Bool
        var status: String
        var caseIDs: [String]
        /// Ledger index of each step, in order.
        var entries: [Int]
        var overdue: Bool
        /// Restrictions it placed that stand: a case id, or case id/person id.
        var restrictions: [String] = []

        enum CodingKeys: String, CodingKey {
            case id, kind, receivedOn, due, extended, status, entries, overdue, restrictions
            case caseIDs = "case_ids"
        }
    }

    let ledger: Ledger

    /// Every request, oldest first, as of `today`.
    func requests(today: CalendarDate) async throws -> [Request] {
        let entries = try await ledger.store.query(LedgerQuery(actions: [.subjectRequest], limit: 10_000_000))
        var byID: [String: Request] = [:]
        var order: [String] = []
        for stored in entries {
            let entry = try stored.decoded()
            guard let details = entry.details, let id = details["request"], let step = details["step"].flatMap(Step.init) else { continue }
            var request =
                byID[id]
                ?? Request(
                    id: id,
                    kind: details["kind"] ?? "",
                    receivedOn: details["received_on"] ?? "",
                    due: details["due"] ?? "",
                    extended: false,
                    status: "open",
                    caseIDs: [],
                    entries: [],
                    overdue: false
                )
            if byID[id] == nil { order.append(id) }
            request.entries.append(entry.index)
            for caseID in entry.caseIDs where !request.caseIDs.contains(caseID) { request.caseIDs.append(caseID) }
            switch step {
            case .received: break
            case .extended:
                request.extended = true
                request.due = details["due"] ?? request.due
            case .erased: break
            case .restricted:
                if let scope = details["restriction"], !request.restrictions.contains(scope) { request.restrictions.append(scope) }
            case .lifted:
                request.restrictions.removeAll { $0 == details["restriction"] }
            case .completed: request.status = details["outcome"] ?? "completed"
            }
            byID[id] = request
        }
        return order.map { id in
            var request = byID[id]!
            request.overdue = request.status == "open" && (CalendarDate(request.due).map { today > $0 } ?? false)
            return request
        }
    }

    /// The register as CSV, for the API and the console alike.
    static func table(_ requests: [Request]) -> CSVTable {
        var table = CSVTable(header: ["request", "kind", "received_on", "due", "extended", "status", "overdue", "cases", "restrictions"])
        for r in requests {
            table.append([
                r.id, r.kind, r.receivedOn, r.due, r.extended ? "yes" : "no", r.status, r.overdue ? "yes" : "no", String(r.caseIDs.count),
                String(r.restrictions.count),
            ])
        }
        return table
    }

    func request(_ id: String, today: CalendarDate) async throws -> Request? {
        try await requests(today: today).first { $0.id == id }
    }

    /// The entry for a step of request `id`; `user` took it.
    static func draft(
        _ step: Step,
        of request: Request,
        actor: LedgerActor,
        caseIDs: [String],
        requestID: String,
        extra: [String: String] = [:]
    ) -> LedgerDraft {
        var details = ["request": request.id, "step": step.rawValue, "kind": request.kind, "received_on": request.receivedOn, "due": request.due]
        details.merge(extra) { $1 }
        return LedgerDraft(actor: actor, action: .subjectRequest, caseIDs: caseIDs, requestID: requestID, details: details)
    }

    /// One calendar month from receipt, or three when extended (Art 12(3)).
    static func due(receivedOn day: CalendarDate, extended: Bool) -> CalendarDate {
        extended ? RetentionSchedule.Period(amount: 3, unit: .months).added(to: day) : SubjectAccessDeadline.due(receivedOn: day)
    }
}
