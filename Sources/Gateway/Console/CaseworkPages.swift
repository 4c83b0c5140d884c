import ByteEncoding
import CaseModel
import Foundation
import Hummingbird
import Ledger
import Storage

/// The caseworkers' pages on the staff listener, under `/casework`: the cases list by earliest due date,
/// a case with its parties, events, clocks and ledger history, and forms to record a report, record events,
/// amend fields and parties, and close a case. Same session, CSRF, CSP and escaping as the IG console; every
/// change goes through `CaseOperations`, as the API's do. A form that fails is shown again with what was
/// typed, an error summary at the top and the message beside each field (the GOV.UK Design System pattern).
struct CaseworkPages {
    let operations: CaseOperations
    let clock: ServiceClock
    let ledger: Ledger

    func addRoutes(to casework: RouterGroup<StaffRequestContext>) {
        casework.get(use: home)
        casework.get("cases", use: list)
        casework.get("cases/new", use: newCase)
        casework.post("cases", use: create)
        casework.get("cases/{id}", use: show)
        casework.post("cases/{id}/events", use: recordEvent)
        casework.post("cases/{id}/amend", use: amend)
        casework.post("cases/{id}/parties", use: addParty)
        casework.get("cases/{id}/parties/{person}", use: party)
        casework.post("cases/{id}/parties/{person}", use: amendParty)
        casework.post("cases/{id}/parties/{person}/remove", use: removeParty)
    }

    private var today: CalendarDate { CalendarDate(operations.now()) }

    @Sendable func home(_ request: Request, context: StaffRequestContext) async throws -> Response {
        Response(status: .seeOther, headers: [.location: "/casework/cases"])
    }

    // MARK: The cases list

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let params = request.uri.queryParameters
        var query = CaseQuery(limit: 200)
        let category = params["category"].map(String.init) ?? ""
        let status = params["status"].map(String.init) ?? "open"
        let ward = params["ward"].map(String.init) ?? ""
        let overdue = params["overdue"] == "yes"
        if let value = Category(rawValue: category) { query.categories = [value] }
        if let value = CaseStatus(rawValue: status) { query.statuses = [value] }
        if !ward.isEmpty { query.wards = [ward] }
        if overdue { query.overdueOn = today }
        var cases = try await operations.store.list(query).cases
        if overdue { cases = cases.filter { clock.isOverdue($0, on: today) } }
        // Earliest due first; cases owing nothing last.
        let due = Dictionary(uniqueKeysWithValues: cases.map { ($0.id, clock.earliestOutstandingDue($0)) })
        cases.sort { (due[$0.id]! ?? .init(daysSinceEpoch: .max / 2), $0.reference) < (due[$1.id]! ?? .init(daysSinceEpoch: .max / 2), $1.reference) }
        if !cases.isEmpty {
            try await operations.audit.staff(try context.requireUser(), .consultation, caseIDs: cases.map(\.id), requestID: context.requestID)
        }
        let rows = cases.map { c -> [String: Any] in
            [
                "id": c.id.text, "reference": c.reference, "category": c.category.rawValue, "ward": c.ward,
                "received": CalendarDate(c.receivedAt).description, "status": c.status.rawValue, "due": due[c.id]!.map(\.description) ?? "–",
                "overdue": clock.isOverdue(c, on: today), "clocks": clocks(c),
            ]
        }
        let page: [String: Any] = [
            "rows": rows, "empty": rows.isEmpty, "count": rows.count, "overdueChecked": overdue,
            "categories": options(Category.allCases.map(\.rawValue), selected: category),
            "statuses": options(CaseStatus.allCases.map(\.rawValue), selected: status),
            "wards": options(wardNames, selected: ward),
        ]
        return try ConsoleTemplates.page("casework-cases", title: "Cases", page, context: context)
    }

    // MARK: Recording a report

    @Sendable func newCase(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try reportForm(fields: ["channel": "phone"], errors: [], context: context)
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let fields = try await ConsoleForm.read(request)
        try ConsoleForm.requireCSRF(fields, context: context)
        do {
            let stored = try await operations.create(try CaseworkForms.newCase(fields), by: try context.requireUser(), requestID: context.requestID)
            return Response(status: .seeOther, headers: [.location: "/casework/cases/\(stored.id.text)"])
        } catch let error as CaseworkForms.FieldError {
            return try reportForm(fields: fields, errors: [(error.field, error.message)], context: context)
        } catch let problem as Problem where problem.status == .badRequest || problem.status == .unprocessableContent {
            return try reportForm(
                fields: fields,
                errors: [(CaseworkForms.field(of: problem.detail) ?? "", Self.sentence(problem.detail))],
                context: context
            )
        }
    }

    private func reportForm(fields: [String: String], errors: [(String, String)], context: StaffRequestContext) throws -> Response {
        var page = formPage(fields, errors: errors)
        page["incidentTypes"] = options(IncidentType.allCases.map(\.rawValue), selected: fields["incident_type"] ?? "")
        page["channels"] = ReportChannel.allCases.map { ["value": $0.rawValue, "checked": $0.rawValue == fields["channel"]] }
        page["wards"] = options(wardNames, selected: fields["ward"] ?? "")
        page["riskChecked"] = fields["risk_flag"] == "yes"
        return try ConsoleTemplates.page("casework-new", title: "Record a report", page, context: context, status: errors.isEmpty ? .ok : .badRequest)
    }

    // MARK: A case

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let c = try await load(context)
        try await operations.audit.staff(try context.requireUser(), .consultation, caseIDs: [c.id], requestID: context.requestID)
        return try await casePage(c, form: nil, fields: [:], errors: [], context: context)
    }

    @Sendable func recordEvent(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await submit(request, context, form: "event") { fields, id, user in
            let event = try CaseworkForms.event(fields)
            guard !event.kind.isRecordedElsewhere else { throw CaseworkForms.FieldError(field: "kind", message: "Choose what was done") }
            return try await operations.record(event, on: id, expected: version(fields), by: user, requestID: context.requestID)
        }
    }

    @Sendable func amend(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await submit(request, context, form: "amend") { fields, id, user in
            let amendment = try CaseworkForms.amendment(fields, wards: operations.wards)
            return try await operations.change(id, expected: version(fields), by: user, requestID: context.requestID) { c, now in
                c.amend(amendment, at: now)
            }
        }
    }

    @Sendable func addParty(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await submit(request, context, form: "party") { fields, id, user in
            let body = try CaseworkForms.party(fields, prefix: "")
            try CaseFieldRules.party(
                at: "",
                name: body.name,
                dateOfBirth: body.dateOfBirth,
                phone: body.phone,
                email: body.email,
                now: operations.now()
            )
            let party = body.makeParty()
            return try await operations.change(id, expected: version(fields), by: user, requestID: context.requestID) { c, now in
                c.addParty(party, at: now)
            }
        }
    }

    @Sendable func removeParty(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let person = try context.personID()
        return try await submit(request, context, form: "remove") { fields, id, user in
            guard let reason = CaseworkForms.text(fields, "reason") else {
                throw CaseworkForms.FieldError(field: "reason", message: "Say why the party was recorded in error")
            }
            return try await operations.change(id, expected: version(fields), by: user, requestID: context.requestID) { c, now in
                try c.removeParty(person, reason: reason, by: user.id, at: now)
            }
        }
    }

    /// One form on the case page: read, checked, applied; then back to the case, or the page again with the errors.
    private func submit(
        _ request: Request,
        _ context: StaffRequestContext,
        form: String,
        _ apply: ([String: String], UUID, StaffUser) async throws -> ASBCase
    ) async throws -> Response {
        let fields = try await ConsoleForm.read(request)
        try ConsoleForm.requireCSRF(fields, context: context)
        let id = try context.caseID()
        do {
            let c = try await apply(fields, id, try context.requireUser())
            return Response(status: .seeOther, headers: [.location: "/casework/cases/\(c.id.text)"])
        } catch let error as CaseworkForms.FieldError {
            return try await casePage(try await load(context), form: form, fields: fields, errors: [(error.field, error.message)], context: context)
        } catch let violation as CaseRuleViolation {
            return try await casePage(
                try await load(context),
                form: form,
                fields: fields,
                errors: [("", Self.sentence(violation.description))],
                context: context
            )
        } catch let problem as Problem where [.badRequest, .unprocessableContent, .preconditionFailed].contains(problem.status) {
            let message =
                problem.status == .preconditionFailed
                ? "Someone else changed this case while you were working on it. Check the case below and make your change again."
                : Self.sentence(problem.detail)
            return try await casePage(
                try await load(context),
                form: form,
                fields: fields,
                errors: [(CaseworkForms.field(of: problem.detail) ?? "", message)],
                context: context
            )
        }
    }

    private func casePage(
        _ c: ASBCase,
        form: String?,
        fields: [String: String],
        errors: [(String, String)],
        context: StaffRequestContext
    ) async throws -> Response {
        var page = formPage(fields, errors: errors, prefix: form.map { $0 + "-" } ?? "")
        page["id"] = c.id.text
        page["reference"] = c.reference
        page["version"] = c.version
        page["category"] = c.category.rawValue
        page["status"] = c.status.rawValue
        page["open"] = c.status == .open
        page["closed"] = c.status == .closed
        page["restricted"] = c.isRestricted
        page["incidentType"] = c.incidentType.rawValue
        page["channel"] = c.channel.rawValue
        page["received"] = Self.display(c.receivedAt)
        page["clocks"] = clocks(c)
        page["parties"] = c.parties.map { p -> [String: Any] in
            [
                "id": p.id.text, "caseID": c.id.text, "version": c.version, "role": p.role.rawValue, "name": p.name,
                "restricted": c.isRestricted(party: p.id),
                "dateOfBirth": p.dateOfBirth?.description ?? "",
                "phone": p.phone ?? "", "email": p.email ?? "",
                "address": p.address.map { ($0.lines + [$0.postcode.description]).joined(separator: ", ") } ?? "",
            ]
        }
        page["events"] = c.events.map { e -> [String: Any] in
            [
                "kind": e.kind.rawValue, "at": Self.display(e.at), "recordedAt": e.recordedAt.map(Self.display) ?? "", "by": e.author,
                "note": e.note ?? "", "late": e.isLateEntry(clock.calendar),
            ]
        }
        page["noEvents"] = c.events.isEmpty
        // The amendment form shows what was typed after an error, else the case as it is.
        let amending = form == "amend"
        func value(_ name: String, _ current: String) -> String { amending ? fields[name] ?? "" : current }
        page["amendWard"] = options(wardNames, selected: value("ward", c.ward))
        page["amendLocation"] = value("location", c.location)
        page["amendNarrative"] = value("narrative", c.narrative)
        page["amendTags"] = value("tags", c.tags.joined(separator: " "))
        page["amendPoliceReference"] = value("police_reference", c.policeReference ?? "")
        page["amendRisk"] = amending ? fields["risk_flag"] == "yes" : c.riskFlag
        page["eventKinds"] = options(
            CaseEventKind.allCases.filter { !$0.isRecordedElsewhere }.map(\.rawValue),
            selected: form == "event" ? fields["kind"] ?? "" : ""
        )
        page["roles"] = options(PartyRole.allCases.map(\.rawValue), selected: form == "party" ? fields["role"] ?? "" : "witness")
        page["categories"] = options(Category.allCases.map(\.rawValue), selected: "")
        // The ledger's entries for the case, newest first.
        let history = try await ledger.store.query(LedgerQuery(caseIDs: [c.id.text], limit: 10_000)).reversed().map { stored in
            let e = try stored.decoded()
            let details = (e.details ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            return [
                "index": e.index, "time": e.time, "action": e.action.rawValue, "actor": e.actor.id, "recipient": e.recipient ?? "",
                "details": (details + (e.purpose.map { ["purpose: \($0)"] } ?? [])).joined(separator: "; "),
            ] as [String: Any]
        }
        page["history"] = history
        page["noHistory"] = history.isEmpty
        return try ConsoleTemplates.page(
            "casework-case",
            title: "Case \(c.reference)",
            page,
            context: context,
            status: errors.isEmpty ? .ok : .badRequest
        )
    }

    // MARK: A party

    @Sendable func party(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let c = try await load(context)
        let person = try context.personID()
        guard let p = c.parties.first(where: { $0.id == person }) else { throw Problem.notFound("the case has no party \(person)") }
        let fields: [String: String] = [
            "role": p.role.rawValue, "name": p.name, "date_of_birth": p.dateOfBirth?.description ?? "", "phone": p.phone ?? "",
            "email": p.email ?? "", "gender": p.gender ?? "", "vulnerability_notes": p.vulnerabilityNotes ?? "",
            "address": p.address?.lines.joined(separator: ", ") ?? "", "postcode": p.address?.postcode.description ?? "",
        ]
        return try partyPage(c, person: person, fields: fields, errors: [], context: context)
    }

    @Sendable func amendParty(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let fields = try await ConsoleForm.read(request)
        try ConsoleForm.requireCSRF(fields, context: context)
        let id = try context.caseID()
        let person = try context.personID()
        do {
            let amendment = try CaseworkForms.partyAmendment(fields)
            try CaseFieldRules.party(amendment, now: operations.now())
            _ = try await operations.change(id, expected: version(fields), by: try context.requireUser(), requestID: context.requestID) { c, now in
                try c.amendParty(person, amendment, at: now)
            }
            return Response(status: .seeOther, headers: [.location: "/casework/cases/\(id.text)"])
        } catch let error as CaseworkForms.FieldError {
            return try partyPage(try await load(context), person: person, fields: fields, errors: [(error.field, error.message)], context: context)
        } catch let problem as Problem where [.badRequest, .unprocessableContent, .preconditionFailed].contains(problem.status) {
            let field = CaseworkForms.field(of: problem.detail) ?? ""
            return try partyPage(
                try await load(context),
                person: person,
                fields: fields,
                errors: [(field, Self.sentence(problem.detail))],
                context: context
            )
        }
    }

    private func partyPage(
        _ c: ASBCase,
        person: UUID,
        fields: [String: String],
        errors: [(String, String)],
        context: StaffRequestContext
    ) throws -> Response {
        var page = formPage(fields, errors: errors)
        page["id"] = c.id.text
        page["reference"] = c.reference
        page["person"] = person.text
        page["version"] = c.version
        page["roles"] = options(PartyRole.allCases.map(\.rawValue), selected: fields["role"] ?? "")
        return try ConsoleTemplates.page(
            "casework-party",
            title: "Party on case \(c.reference)",
            page,
            context: context,
            status: errors.isEmpty ? .ok : .badRequest
        )
    }

    // MARK: Helpers

    private var wardNames: [String] { operations.wards?.names ?? [] }

    /// Each service clock as met, late, pending or overdue, with its due date.
    private func clocks(_ c: ASBCase) -> [[String: Any]] {
        clock.statuses(of: c, on: today).map {
            [
                "standard": $0.standard.rawValue, "state": $0.state.rawValue, "due": $0.due.description,
                "overdue": $0.state == .overdue, "lateEntry": $0.lateEntry,
            ]
        }
    }

    private func options(_ values: [String], selected: String) -> [[String: Any]] {
        values.map { ["value": $0, "selected": $0 == selected] }
    }

    /// What the form had (to show again), and each error by field: `errorSummary` for the top and
    /// `<field>Error` beside each field. `prefix` names the form on a page with several.
    private func formPage(_ fields: [String: String], errors: [(String, String)], prefix: String = "") -> [String: Any] {
        var page: [String: Any] = [:]
        for (name, value) in fields where name != "csrf" { page["f_" + name.replacingOccurrences(of: "-", with: "_")] = value }
        page["errors"] = errors.map { field, message in ["anchor": field.isEmpty ? "main" : prefix + field, "message": message] }
        page["hasErrors"] = !errors.isEmpty
        for (field, message) in errors where !field.isEmpty {
            page["e_" + (prefix + field).replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")] = message
        }
        return page
    }

    private func load(_ context: StaffRequestContext) async throws -> ASBCase {
        let id = try context.caseID()
        guard let c = try await operations.store.get(id) else { throw Problem.notFound("no case \(id.text)") }
        return c
    }

    private func version(_ fields: [String: String]) -> VersionPrecondition {
        VersionPrecondition(version: fields["version"].flatMap { Int($0) })
    }

    /// An API message as a sentence for a page: capitalised, with a full stop.
    static func sentence(_ detail: String) -> String {
        guard let first = detail.first else { return detail }
        let text = first.uppercased() + detail.dropFirst()
        return text.hasSuffix(".") || text.hasSuffix("?") ? text : text + "."
    }

    static func display(_ date: Date) -> String {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_GB_POSIX")
        format.timeZone = TimeZone(identifier: "Europe/London")
        format.dateFormat = "yyyy-MM-dd HH:mm"
        return format.string(from: date)
    }
}
