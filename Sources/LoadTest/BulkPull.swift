import Foundation
import NIOCore

/// A partner's full sync: every page of `GET /v1/views/cases`, one after another, as a partner's system pulls them.
public struct BulkPull: Sendable {
    let client: PartnerClient
    let purpose: String?
    let pageSize: Int

    public init(client: PartnerClient, purpose: String?, pageSize: Int) {
        self.client = client
        self.purpose = purpose
        self.pageSize = pageSize
    }

    /// Pulls every page and reports how long it took.
    public func run() async throws -> BulkPullReport {
        let clock = ContinuousClock()
        let start = clock.now
        var pageStart = start
        var pageTimes: [Int64] = []
        var views = 0
        var bytes = 0
        var receipts = 0
        try await pages { reply, ids in
            views += ids.count
            bytes += reply.body.readableBytes
            if reply.ledgerIndex != nil { receipts += 1 }
            let now = clock.now
            pageTimes.append((now - pageStart).nanoseconds)
            pageStart = now
            return true
        }
        return BulkPullReport(
            views: views,
            pages: pageTimes.count,
            bytes: bytes,
            receipts: receipts,
            elapsed: clock.now - start,
            pageLatency: LatencySummary(nanoseconds: pageTimes)
        )
    }

    /// The case ids of the first `limit` views the purpose admits (all of them by default).
    public func caseIDs(limit: Int = .max) async throws -> [String] {
        var ids: [String] = []
        try await pages { _, page in
            ids += page
            return ids.count < limit
        }
        return Array(ids.prefix(limit))
    }

    /// Calls `body` with each page until the last, or until `body` returns false.
    private func pages(_ body: (PartnerClient.Reply, [String]) throws -> Bool) async throws {
        var cursor: String?
        repeat {
            var path = "/v1/views/cases?limit=\(pageSize)"
            if let purpose { path += "&purpose=\(purpose.queryEscaped)" }
            if let cursor { path += "&cursor=\(cursor.queryEscaped)" }
            let reply = try await client.getOK(path)
            guard let object = try? JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView)) as? [String: Any],
                let views = object["views"] as? [[String: Any]]
            else { throw LoadTestError.malformedResponse("a page of \(path) is not a view list") }
            guard try body(reply, views.compactMap { $0["case_id"] as? String }) else { return }
            cursor = object["next_cursor"] as? String
        } while cursor != nil
    }
}

/// How a bulk pull went.
public struct BulkPullReport: Sendable {
    public var views: Int
    public var pages: Int
    public var bytes: Int
    /// Pages that came with a ledger receipt (every non-empty page must).
    public var receipts: Int
    public var elapsed: Duration
    public var pageLatency: LatencySummary
}
