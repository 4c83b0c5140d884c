import Foundation
import Hummingbird
import Ledger
import Storage

/// Partners stay in step with the council's copy: `GET /v1/views/changes` lists, for the partner and purpose,
/// in commit order, every notice the ledger holds for it (`updated`, `withdrawn`, `erased`: case ids and
/// times, never case data; the new view is fetched as usual, so each disclosure keeps its own entry), and
/// `POST /v1/notices/{index}/acknowledgement` records that the partner acted on one.
struct ChangeFeedController {
    let ledger: Ledger
    let audit: Audit

    func addRoutes(feed: RouterGroup<PartnerRequestContext>, notices: RouterGroup<PartnerRequestContext>) {
        feed.get(use: changes)
        notices.post("{index}/acknowledgement", use: acknowledge)
    }

    struct Item: Codable, Sendable {
        /// The notice's ledger index: acknowledge it with this.
        var notice: Int
        var kind: String
        var caseID: String
        var time: String
    }

    struct Page: ResponseEncodable, Sendable {
        var partner: String
        var purpose: String
        var items: [Item]
        /// Always present: poll with it for what comes next.
        var nextCursor: String
    }

    struct Acknowledgement: ResponseEncodable, Sendable {
        var notice: Int
        var acknowledgement: Int
    }

    @Sendable func changes(_ request: Request, context: PartnerRequestContext) async throws -> Page {
        let policy = try ViewController.compiledPolicy(request, context)
        let params = request.uri.queryParameters
        var limit = 100
        if let text = params["limit"] {
            guard let n = Int(String(text)), (1...1000).contains(n) else { throw Problem.badRequest("'limit' must be a whole number from 1 to 1000") }
            limit = n
        }
        var after = -1
        switch params["cursor"].map(String.init) {
        case nil, "": break
        // "now": nothing before this moment (for a partner that has just made its bulk pull).
        case "now": after = ledger.size - 1
        case let text?:
            guard let decoded = FeedCursor.decode(text) else { throw Problem.badRequest("the cursor is not one this server issued") }
            after = decoded
        }
        let entries = try await ledger.store.query(
            LedgerQuery(
                recipient: policy.partner.id,
                actions: [.notification],
                purpose: policy.purpose.id,
                after: after < 0 ? nil : after,
                limit: limit
            )
        )
        var items: [Item] = []
        for stored in entries {
            let entry = try stored.decoded()
            items.append(Item(notice: entry.index, kind: entry.details?["kind"] ?? "updated", caseID: entry.caseIDs.first ?? "", time: entry.time))
        }
        let position = items.last?.notice ?? after
        return Page(partner: policy.partner.id, purpose: policy.purpose.id, items: items, nextCursor: FeedCursor.encode(position))
    }

    @Sendable func acknowledge(_ request: Request, context: PartnerRequestContext) async throws -> EditedResponse<Acknowledgement> {
        guard let partner = context.partner else { throw Problem.unauthorised("no partner identity") }
        let text = try context.parameters.require("index")
        let missing = Problem.notFound("no notice \(text) for \(partner.partner.id)")
        guard let index = Int(text), index >= 0, let stored = try await ledger.store.entries(from: index, limit: 1).first else { throw missing }
        let notice = try stored.decoded()
        guard notice.index == index, notice.action == .notification, notice.recipient == partner.partner.id else { throw missing }
        // Acknowledged already: the same answer again, nothing written.
        let earlier = try await ledger.store.query(
            LedgerQuery(recipient: partner.partner.id, actions: [.acknowledgement], after: index, limit: 100_000)
        )
        for stored in earlier {
            let entry = try stored.decoded()
            if entry.details?["notice"] == String(index) {
                return EditedResponse(status: .ok, response: Acknowledgement(notice: index, acknowledgement: entry.index))
            }
        }
        let receipt = try await audit.record(
            LedgerDraft(
                actor: LedgerActor(kind: .partner, id: partner.partner.id, certificateFingerprint: partner.certificateFingerprint),
                recipient: partner.partner.id,
                action: .acknowledgement,
                caseIDs: notice.caseIDs,
                purpose: notice.purpose,
                requestID: context.requestID,
                details: ["notice": String(index)]
            )
        )
        return EditedResponse(status: .created, response: Acknowledgement(notice: index, acknowledgement: receipt.index))
    }
}

/// Opaque change-feed cursors: the ledger index of the last notice returned.
enum FeedCursor {
    static func encode(_ index: Int) -> String { OpaqueCursor.encode(Int64(index), tag: "n1") }

    static func decode(_ cursor: String) -> Int? {
        OpaqueCursor.decode(cursor, tag: "n1").flatMap { $0 >= -1 ? Int($0) : nil }
    }
}
