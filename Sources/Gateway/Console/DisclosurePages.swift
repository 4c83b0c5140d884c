import ByteEncoding
import CaseModel
import Foundation
import Hummingbird
import Ledger
import Reports
import Storage

/// The IG console's disclosure pages: the filterable log, one entry with its inclusion proof checked
/// live, a case's history, and subject access.
struct DisclosurePages {
    let ledger: Ledger
    let cases: any CaseStore
    let policies: PolicyStore
    let audit: Audit
    let now: @Sendable () -> Date
    static let pageSize = 50

    func addRoutes(to console: RouterGroup<StaffRequestContext>) {
        console.get("disclosures", use: disclosures)
        console.get("disclosures.csv", use: disclosuresCSV)
        console.get("disclosures.json", use: disclosuresJSON)
        console.get("ledger/entries/{index}", use: entry)
        console.get("cases/{id}/history", use: caseHistory)
        console.get("subject-access", use: subjectAccess)
        console.get("subject-access.csv", use: subjectAccessCSV)
    }

    /// The filter the page and its exports share: partner, case, purpose, action, date range, cursor.
    private func filter(_ request: Request) throws -> (LedgerQuery, [String: String]) {
        let params = request.uri.queryParameters
        // A form sends every field, empty ones too: empty means "any".
        var query = LedgerQuery(limit: Self.pageSize)
        if let text = params["cursor"], !text.isEmpty {
            guard let after = Int(String(text)), after >= 0 else { throw Problem.badRequest("the page link is not one this server made") }
            query.after = after
        }
        var values: [String: String] = [:]
        for key in ["partner", "case", "purpose", "action", "from", "to"] {
            if let value = params[Substring(key)].map(String.init), !value.isEmpty { values[key] = value }
        }
        query.recipient = values["partner"]
        query.purpose = values["purpose"]
        if let caseID = values["case"] { query.caseIDs = [caseID.uppercased()] }
        query.actions = try DisclosureController.actions(values["action"].map { Substring($0) }, default: [.disclosure])
        query.from = try DisclosureController.time(values["from"].map { Substring($0) }, "from", endOfDay: false)
        query.to = try DisclosureController.time(values["to"].map { Substring($0) }, "to", endOfDay: true)
        return (query, values)
    }

    @Sendable func disclosures(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let (query, values) = try filter(request)
        let entries = try await ledger.store.query(query)
        let partners = policies.current.policySet.policies.map {
            ["id": $0.partner.id, "name": $0.partner.name, "selected": $0.partner.id == values["partner"]]
        }
        let actions =
            LedgerAction.allCases.map { ["id": $0.rawValue, "selected": $0.rawValue == (values["action"] ?? "disclosure")] } + [
                ["id": "any", "selected": values["action"] == "any"]
            ]
        let filterQuery = Self.queryString(values)
        var page: [String: Any] = [
            "rows": try entries.map { try Self.row($0.decoded()) },
            "partners": partners, "actions": actions,
            "case": values["case"] ?? "", "purpose": values["purpose"] ?? "", "from": values["from"] ?? "", "to": values["to"] ?? "",
            "csvLink": "/console/disclosures.csv?" + filterQuery, "jsonLink": "/console/disclosures.json?" + filterQuery,
            "empty": entries.isEmpty, "count": entries.count,
        ]
        if entries.count == query.limit, let last = entries.last {
            page["nextLink"] = "/console/disclosures?" + Self.queryString(values.merging(["cursor": String(last.index)]) { $1 })
        }
        return try ConsoleTemplates.page("disclosures", title: "Disclosures", page, context: context)
    }

    /// The current filter as CSV: every matching entry (up to 10,000), not just the page shown.
    @Sendable func disclosuresCSV(_ request: Request, context: StaffRequestContext) async throws -> Response {
        var (query, _) = try filter(request)
        query.limit = 10_000
        let text = try LedgerCSV.render(try await ledger.store.query(query))
        return download(text, type: "text/csv; charset=utf-8", name: "casegate-disclosures.csv")
    }

    @Sendable func disclosuresJSON(_ request: Request, context: StaffRequestContext) async throws -> Response {
        var (query, _) = try filter(request)
        query.limit = 10_000
        let out = DisclosureController.entriesJSON(try await ledger.store.query(query))
        return download(String(decoding: out, as: UTF8.self), type: "application/json", name: "casegate-disclosures.json")
    }

    /// One entry, exactly as stored, with its inclusion in the latest signed checkpoint proved now.
    @Sendable func entry(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let text = try context.parameters.require("index")
        guard let index = Int(text), index >= 0, let stored = try await ledger.store.entries(from: index, limit: 1).first, stored.index == index
        else {
            throw Problem.notFound("no ledger entry \(text)")
        }
        let entry = try stored.decoded()
        let (size, note) = try await ledger.checkpoint()
        let checkpoint = try Checkpoint.verify(note: note, publicKey: ledger.publicKey)
        let proof = try await ledger.inclusionProof(index: index, size: size)
        let verified = MerkleProof.verifyInclusion(leafHash: stored.leafHash, index: index, size: size, proof: proof, root: checkpoint.root)
        let page: [String: Any] = [
            "entry": Self.row(entry), "json": String(decoding: stored.bytes, as: UTF8.self), "leafHash": stored.leafHash.hexString,
            "treeSize": size, "proofLength": proof.count, "verified": verified, "checkpoint": note,
            "fields": (entry.fields ?? []).map { ["path": $0.path, "rule": $0.rule] }, "hasFields": !(entry.fields ?? []).isEmpty,
            "details": (entry.details ?? [:]).sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] },
            "hasDetails": !(entry.details ?? [:]).isEmpty,
        ]
        return try ConsoleTemplates.page("entry", title: "Ledger entry \(index)", page, context: context)
    }

    /// Every ledger event for one case, purges included.
    @Sendable func caseHistory(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let id = try context.caseID()
        let entries = try await ledger.store.query(LedgerQuery(caseIDs: [id.text], limit: 10_000))
        let page: [String: Any] = ["caseID": id.text, "rows": try entries.map { try Self.row($0.decoded()) }, "empty": entries.isEmpty]
        return try ConsoleTemplates.page("case-history", title: "Case history", page, context: context)
    }

    /// A subject access request: every disclosure of any case in which the person is a party.
    @Sendable func subjectAccess(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let params = request.uri.queryParameters
        var page: [String: Any] = ["name": "", "dateOfBirth": "", "received": CalendarDate(now()).description]
        if let search = try await searchSubject(params, context: context) {
            page = page.merging([
                "name": search.name, "dateOfBirth": search.dateOfBirth?.description ?? "", "received": search.received.description,
                "searched": true, "casesFound": search.caseIDs.count, "empty": search.disclosures.isEmpty,
                "rows": search.disclosures.map { entry in
                    Self.row(entry).merging(["recipientName": search.recipientName(entry)]) { $1 }
                },
                "deadline": SubjectAccessDeadline.due(receivedOn: search.received).description,
                "csvLink": "/console/subject-access.csv?"
                    + Self.queryString([
                        "name": search.name, "date_of_birth": search.dateOfBirth?.description ?? "",
                        "received": search.received.description,
                    ]),
            ]) { $1 }
        }
        return try ConsoleTemplates.page("subject-access", title: "Subject access", page, context: context)
    }

    @Sendable func subjectAccessCSV(_ request: Request, context: StaffRequestContext) async throws -> Response {
        guard let search = try await searchSubject(request.uri.queryParameters, context: context) else {
            throw Problem.badRequest("'name' is required")
        }
        var table = CSVTable(header: ["date", "recipient", "partner_id", "purpose", "lawful_basis", "case_id", "fields", "ledger_index"])
        for e in search.disclosures {
            table.append([
                e.time, search.recipientName(e), e.recipient ?? "", e.purpose ?? "", e.lawfulBasis ?? "",
                e.caseIDs.joined(separator: " "), (e.fields ?? []).map { "\($0.path)=\($0.rule)" }.joined(separator: "; "),
                String(e.index),
            ])
        }
        return download(table.text, type: "text/csv; charset=utf-8", name: "subject-access.csv")
    }

    private struct SubjectSearch {
        var name: String
        var dateOfBirth: CalendarDate?
        var received: CalendarDate
        var caseIDs: [UUID]
        var disclosures: [LedgerEntry]
        /// Partners' display names by id, from the policies in force.
        var partnerNames: [String: String]

        func recipientName(_ entry: LedgerEntry) -> String {
            entry.recipient.map { partnerNames[$0] ?? $0 } ?? ""
        }
    }

    /// Finds the person's cases through the blind party index and their disclosures; the search is itself recorded.
    private func searchSubject(_ params: Parameters, context: StaffRequestContext) async throws -> SubjectSearch? {
        guard let name = params["name"].map(String.init)?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return nil }
        var dateOfBirth: CalendarDate?
        if let text = params["date_of_birth"], !text.isEmpty {
            guard let date = CalendarDate(text) else { throw Problem.badRequest("the date of birth must be YYYY-MM-DD") }
            dateOfBirth = date
        }
        var received = CalendarDate(now())
        if let text = params["received"], !text.isEmpty {
            guard let date = CalendarDate(text) else { throw Problem.badRequest("the date the request was received must be YYYY-MM-DD") }
            received = date
        }
        let details = ["reason": "subject-access", "console": "subject-access"]
        let caseIDs = try await audit.searchSubject(named: name, bornOn: dateOfBirth, in: cases, for: context, details: details)
        let entries =
            caseIDs.isEmpty
            ? [] : try await ledger.store.query(LedgerQuery(caseIDs: caseIDs.map(\.text), actions: [.disclosure], limit: 10_000))
        let names = Dictionary(policies.current.policySet.policies.map { ($0.partner.id, $0.partner.name) }) { first, _ in first }
        return SubjectSearch(
            name: name,
            dateOfBirth: dateOfBirth,
            received: received,
            caseIDs: caseIDs,
            disclosures: try entries.map { try $0.decoded() },
            partnerNames: names
        )
    }

    /// A ledger entry as a table row.
    static func row(_ e: LedgerEntry) -> [String: Any] {
        let fields = (e.fields ?? []).map { "\($0.path)=\($0.rule)" }
        return [
            "index": e.index, "time": e.time, "day": String(e.time.prefix(10)), "action": e.action.rawValue,
            "actor": e.actor.id, "actorKind": e.actor.kind.rawValue, "recipient": e.recipient ?? "", "purpose": e.purpose ?? "",
            "lawfulBasis": e.lawfulBasis ?? "", "cases": e.caseIDs.joined(separator: " "), "caseList": e.caseIDs.map { ["id": $0] },
            "fieldCount": fields.count, "fieldList": fields.joined(separator: "; "), "policyVersion": e.policyVersion ?? "",
            "responseSHA256": e.responseSHA256 ?? "", "requestID": e.requestID ?? "",
        ]
    }

    static func queryString(_ values: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return values.sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }

    private func download(_ text: String, type: String, name: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .contentDisposition: "attachment; filename=\"\(name)\""],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
