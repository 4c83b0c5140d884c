import ByteEncoding
import CaseModel
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Redaction
import SharingPolicy
import Storage

/// Partner views of cases: `/v1/views/cases`.
struct ViewController {
    let store: any CaseStore
    let audit: Audit
    /// Views built for earlier requests, valid while the store's change mark and the day hold.
    let views: ViewCache
    let now: @Sendable () -> Date

    func addRoutes(to group: RouterGroup<PartnerRequestContext>) {
        group
            .get(use: list)
            .get("{id}", use: one)
    }

    /// Every case the purpose's filter admits, oldest first, paged by an opaque cursor.
    @Sendable func list(_ request: Request, context: PartnerRequestContext) async throws -> Response {
        let policy = try compiledPolicy(request, context)
        let params = request.uri.queryParameters
        var limit = 100
        if let text = params["limit"] {
            guard let n = Int(String(text)), (1...1000).contains(n) else { throw Problem.badRequest("'limit' must be a whole number from 1 to 1000") }
            limit = n
        }
        var since: Date?
        if let text = params["updated_since"] {
            guard let date = ISO8601DateFormatter().date(from: String(text)) else {
                throw Problem.badRequest("'updated_since' must be an ISO 8601 time such as 2026-11-01T00:00:00Z")
            }
            since = date
        }
        let filter = policy.purpose.records
        var query = CaseQuery(
            categories: filter.categories,
            statuses: filter.statuses,
            wards: filter.wards,
            updatedSince: since,
            order: .oldestFirst,
            limit: limit,
            cursor: params["cursor"].map(String.init)
        )
        let today = CalendarDate(now())
        // The page is written as it is read: each view straight into the body's bytes.
        var body = ByteWriter(capacity: limit * 2048)
        body.append("{\"partner\":")
        JSONString.append(policy.partner.id, to: &body)
        body.append(",\"purpose\":")
        JSONString.append(policy.purpose.id, to: &body)
        body.append(",\"policy_version\":")
        JSONString.append(policy.policyVersion, to: &body)
        body.append(",\"views\":[")
        var caseIDs: [UUID] = []
        var next: String?
        // The store filters on clear columns; flags and roles are checked here, so keep reading until the page is full.
        repeat {
            query.limit = limit - caseIDs.count
            let page = try await store.list(query)
            for c in page.cases {
                if !caseIDs.isEmpty { body.append(UInt8(ascii: ",")) }
                if ViewBuilder.write(c, under: policy, today: today, to: &body) {
                    caseIDs.append(c.id)
                } else if !caseIDs.isEmpty {
                    body.truncate(to: body.count - 1)
                }
            }
            next = page.nextCursor
            query.cursor = next
        } while caseIDs.count < limit && next != nil
        body.append("],\"next_cursor\":")
        if let next { JSONString.append(next, to: &body) } else { body.append("null") }
        body.append(UInt8(ascii: "}"))
        return try await disclose(ByteBuffer(bytes: body.bytes), caseIDs: caseIDs, policy: policy, context: context)
    }

    /// One view; a case the filter does not admit is 404, exactly like one that does not exist.
    @Sendable func one(_ request: Request, context: PartnerRequestContext) async throws -> Response {
        let policy = try compiledPolicy(request, context)
        let text = try context.parameters.require("id")
        // Made only when thrown: a view that is found should not pay for the message.
        func notFound() -> Problem { Problem.notFound("no case \(text) for this partner") }
        guard let id = UUID(text: text) else { throw notFound() }
        let today = CalendarDate(now())
        let key = ViewCache.Key(policy, caseID: id)
        // A view built earlier goes out only if no case has changed since: the ledger checks the mark as it
        // records the disclosure, and records nothing if it has moved.
        if let (entry, precondition) = views.latest(key, day: today),
            let response = try await discloseIfUnchanged(entry, precondition: precondition, caseID: id, policy: policy, context: context)
        {
            GatewayMetrics.viewCache(hit: true)
            return response
        }
        GatewayMetrics.viewCache(hit: false)
        guard let entry = try await freshView(of: id, key: key, under: policy, today: today) else {
            GatewayMetrics.refused(.notAdmitted)
            throw notFound()
        }
        return try await disclose(entry.body, sha256: entry.sha256, caseIDs: [id], policy: policy, context: context)
    }

    /// The view built from the store, kept for next time under the mark read with the case (or before it).
    private func freshView(of id: UUID, key: ViewCache.Key, under policy: CompiledPolicy, today: CalendarDate) async throws -> ViewCache.Entry? {
        let marked: (mark: Int64?, case: ASBCase)?
        if views.capacity > 0 {
            marked = try await store.markedCase(id).map { ($0.mark, $0.case) }
        } else {
            marked = try await store.get(id).map { (nil, $0) }
        }
        guard let marked, let view = ViewBuilder.view(of: marked.case, under: policy, today: today) else { return nil }
        let entry = ViewCache.Entry(body: ByteBuffer(bytes: view.bytes), sha256: SHA256.hash(data: view.bytes).hexString)
        if let mark = marked.mark { views.store(entry, for: key, mark: mark, day: today) }
        return entry
    }

    /// The disclosure path's last step: the entry is durable before the bytes leave, and the response carries its receipt.
    private func disclose(
        _ body: ByteBuffer,
        sha256: String? = nil,
        caseIDs: [UUID],
        policy: CompiledPolicy,
        context: PartnerRequestContext
    ) async throws -> Response {
        // An empty page discloses nothing, so it needs no entry.
        guard !caseIDs.isEmpty else { return Self.response(body, receipt: nil) }
        let draft = try disclosure(of: body, sha256: sha256, caseIDs: caseIDs, policy: policy, context: context)
        let receipt = try await audit.record(draft)
        context.policies?.countDisclosure(under: policy)
        return Self.response(body, receipt: receipt)
    }

    /// A cached view's disclosure: recorded and sent only if no case has changed since the view was built; nil if one has.
    private func discloseIfUnchanged(
        _ entry: ViewCache.Entry,
        precondition: AppendPrecondition,
        caseID: UUID,
        policy: CompiledPolicy,
        context: PartnerRequestContext
    ) async throws -> Response? {
        let draft = try disclosure(of: entry.body, sha256: entry.sha256, caseIDs: [caseID], policy: policy, context: context)
        switch try await audit.record(draft, if: precondition) {
        case .recorded(let receipts):
            context.policies?.countDisclosure(under: policy)
            return Self.response(entry.body, receipt: receipts[0])
        case .notRecorded: return nil
        }
    }

    /// The ledger entry for disclosing `body` to this request's partner, under its policy snapshot.
    private func disclosure(
        of body: ByteBuffer,
        sha256: String?,
        caseIDs: [UUID],
        policy: CompiledPolicy,
        context: PartnerRequestContext
    ) throws -> LedgerDraft {
        guard let partner = context.partner, let snapshot = context.policies else { throw Problem.unauthorised("no partner identity") }
        return audit.disclosureDraft(
            to: partner,
            under: policy,
            fields: snapshot.ledgerFields(of: policy),
            caseIDs: caseIDs,
            body: body,
            bodySHA256: sha256,
            requestID: context.requestID
        )
    }

    private static func response(_ body: ByteBuffer, receipt: LedgerReceipt?) -> Response {
        var headers: HTTPFields = [.contentType: "application/json", .cacheControl: "no-store"]
        if let receipt {
            headers[.casegateLedgerIndex] = String(receipt.index)
            headers[.casegateEntryHash] = receipt.entryHash.hexString
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    private func compiledPolicy(_ request: Request, _ context: PartnerRequestContext) throws -> CompiledPolicy {
        try Self.compiledPolicy(request, context)
    }

    /// The purpose a request names (or the partner's only one), under the policy set it was resolved with.
    static func compiledPolicy(_ request: Request, _ context: PartnerRequestContext) throws -> CompiledPolicy {
        guard let partner = context.partner?.partner, let set = context.policies?.compiled else { throw Problem.unauthorised("no partner identity") }
        let purpose = request.uri.queryParameters["purpose"].map(String.init)
        if let policy = set.policy(partner: partner.id, purpose: purpose) { return policy }
        let purposes = set.purposes(of: partner.id)
        if let purpose {
            throw Problem.badRequest("'\(purpose)' is not one of your purposes: \(purposes.joined(separator: ", "))")
        }
        throw Problem.badRequest("name the purpose with ?purpose=, one of: \(purposes.joined(separator: ", "))")
    }

}
