import ByteEncoding
import CaseModel
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Reports
import Storage

/// IG officers and admins read the ledger back: the disclosure log, a case's
/// history, and a data subject's disclosures.
struct DisclosureController {
    let ledger: Ledger
    let cases: any CaseStore
    let audit: Audit

    func addRoutes(disclosures: RouterGroup<StaffRequestContext>, cases: RouterGroup<StaffRequestContext>, subjects: RouterGroup<StaffRequestContext>)
    {
        disclosures.get(use: list)
        cases.get("{id}/disclosures", use: caseHistory)
        subjects.get("disclosures", use: subject)
    }

    /// `GET /v1/disclosures?partner=&case=&purpose=&actor=&action=&from=&to=&cursor=&limit=&format=json|csv`
    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let params = request.uri.queryParameters
        var query = try Self.baseQuery(params)
        query.recipient = params["partner"].map(String.init)
        query.actorID = params["actor"].map(String.init)
        query.purpose = params["purpose"].map(String.init)
        if let caseID = params["case"] { query.caseIDs = [String(caseID).uppercased()] }
        query.actions = try Self.actions(params["action"], default: [.disclosure])
        return try await respond(query, format: params["format"], request: request)
    }

    /// `GET /v1/cases/{id}/disclosures`: every ledger event for one case, purges included.
    @Sendable func caseHistory(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let id = try context.caseID()
        let params = request.uri.queryParameters
        var query = try Self.baseQuery(params)
        query.caseIDs = [id.text]
        query.actions = try Self.actions(params["action"], default: nil)
        return try await respond(query, format: params["format"], request: request)
    }

    /// `GET /v1/subjects/disclosures?name=&date_of_birth=`: every disclosure of any case in which the person is a party.
    @Sendable func subject(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let params = request.uri.queryParameters
        guard let name = params["name"].map(String.init), !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Problem.badRequest("'name' is required")
        }
        var dateOfBirth: CalendarDate?
        if let text = params["date_of_birth"] {
            guard let date = CalendarDate(text) else { throw Problem.badRequest("'date_of_birth' must be YYYY-MM-DD") }
            dateOfBirth = date
        }
        let details = ["reason": "subject-access"]
        let caseIDs = try await audit.searchSubject(named: name, bornOn: dateOfBirth, in: cases, for: context, details: details)
        var query = try Self.baseQuery(params)
        query.caseIDs = caseIDs.map(\.text)
        query.actions = [.disclosure]
        return try await respond(query, format: params["format"], request: request, extra: [("cases_found", String(caseIDs.count))])
    }

    static func baseQuery(_ params: Parameters) throws -> LedgerQuery {
        var query = LedgerQuery(limit: 100)
        if let text = params["limit"] {
            guard let n = Int(String(text)), (1...10_000).contains(n) else { throw Problem.badRequest("'limit' must be from 1 to 10000") }
            query.limit = n
        }
        if let text = params["cursor"] {
            guard let after = Int(String(text)), after >= 0 else { throw Problem.badRequest("'cursor' is not one this server issued") }
            query.after = after
        }
        query.from = try Self.time(params["from"], "from", endOfDay: false)
        query.to = try Self.time(params["to"], "to", endOfDay: true)
        return query
    }

    /// Accepts a date (whole day) or an RFC 3339 time; compares as the ledger's own timestamps.
    static func time(_ value: Substring?, _ name: String, endOfDay: Bool) throws -> String? {
        guard let value else { return nil }
        guard let bound = LedgerEntry.bound(String(value), endOfDay: endOfDay) else {
            throw Problem.badRequest("'\(name)' must be a date (YYYY-MM-DD) or an RFC 3339 time")
        }
        return bound
    }

    static func actions(_ value: Substring?, default fallback: Set<LedgerAction>?) throws -> Set<LedgerAction>? {
        guard let value else { return fallback }
        if value == "any" { return nil }
        var result = Set<LedgerAction>()
        for name in value.split(separator: ",") {
            guard let action = LedgerAction(rawValue: String(name)) else {
                throw Problem.badRequest("'action' must be 'any' or a list of: \(LedgerAction.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            result.insert(action)
        }
        return result
    }

    private func respond(_ query: LedgerQuery, format: Substring?, request: Request, extra: [(String, String)] = []) async throws -> Response {
        let entries = try await ledger.store.query(query)
        let next = entries.count == query.limit ? entries.last.map { String($0.index) } : nil
        switch format ?? "json" {
        case "json":
            var members = [("next_cursor", next.map { "\"\($0)\"" } ?? "null")]
            members += extra.map { ($0.0, "\"\($0.1)\"") }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: Self.entriesJSON(entries, members: members)))
            )
        case "csv":
            var headers: HTTPFields = [
                .contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"casegate-ledger.csv\"",
            ]
            if let next { headers[.casegateNextCursor] = next }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: try LedgerCSV.render(entries))))
        default:
            throw Problem.badRequest("'format' must be json or csv")
        }
    }
}

extension DisclosureController {
    /// `{"entries":[…], …}`: each entry exactly as stored (as hashed), then the other members, already JSON.
    static func entriesJSON(_ entries: [StoredLedgerEntry], members: [(String, String)] = []) -> [UInt8] {
        var out = Array("{\"entries\":[".utf8)
        for (i, entry) in entries.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += entry.bytes
        }
        out.append(UInt8(ascii: "]"))
        for (key, value) in members { out += Array(",\"\(key)\":\(value)".utf8) }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// The ledger as CSV, one row per entry, for IG officers' spreadsheets.
public enum LedgerCSV {
    public static let header =
        "index,time,action,actor_kind,actor_id,actor_role,certificate_fingerprint,recipient,case_ids,purpose,lawful_basis,policy_version,fields,response_sha256,request_id,details"

    public static func render(_ entries: [StoredLedgerEntry]) throws -> String {
        var lines = [header]
        for stored in entries {
            let e = try stored.decoded()
            let fields = (e.fields ?? []).map { "\($0.path)=\($0.rule)" }.joined(separator: ";")
            let details = (e.details ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
            let row: [String] = [
                String(e.index), e.time, e.action.rawValue, e.actor.kind.rawValue, e.actor.id, e.actor.role ?? "",
                e.actor.certificateFingerprint ?? "", e.recipient ?? "", e.caseIDs.joined(separator: ";"), e.purpose ?? "",
                e.lawfulBasis ?? "", e.policyVersion ?? "", fields, e.responseSHA256 ?? "", e.requestID ?? "", details,
            ]
            lines.append(row.map(cell).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func cell(_ value: String) -> String { CSVTable.cell(value) }
}
