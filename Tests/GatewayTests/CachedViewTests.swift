import ByteEncoding
import CaseModel
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Ledger
import NIOCore
import Redaction
import SQLiteStorage
import Storage
import Testing

@Suite("Cached partner views")
struct CachedViewTests {
    /// met-police's view of the case as the store holds it now, built afresh.
    func freshView(_ gateway: GatewayFixture, _ id: UUID, day: CalendarDate) async throws -> String {
        let policy = try #require(gateway.environment.policies.current.policy(partner: "met-police", purpose: nil))
        let stored = try #require(try await gateway.environment.cases.get(id))
        return try #require(ViewBuilder.view(of: stored, under: policy, today: day)).json
    }

    @Test(
        "a view served again is the same bytes, recorded with their hash; after any change to the case, here or by another process, the new view; after a purge, nothing"
    )
    func neverStale() async throws {
        let (fixture, fixtures) = try await PartnerViewTests.fixtureGateway()
        let shown = try #require(fixtures.first { $0.expected["met-police"]?.first?.value != .null })
        let id = shown.case.id
        let path = "/v1/views/cases/\(id.uuidString)"
        let day = shown.today
        try await fixture.withRouters { gateway in
            try await gateway.partner(fixture.metPolice) { client in
                // The body as text, so a failure shows a readable difference.
                func view() async throws -> (status: HTTPResponse.Status, bytes: String, index: Int?) {
                    let response = try await client.get(path)
                    return (
                        response.status, String(buffer: response.body ?? ByteBuffer()), response.headers[.casegateLedgerIndex].flatMap { Int($0) }
                    )
                }
                let first = try await view()
                let again = try await view()
                #expect(first.status == .ok && again.status == .ok)
                #expect(again.bytes == first.bytes)
                #expect(fixture.environment.views.usage.entries == 1, "the second request was answered from the cache")
                for index in [first.index, again.index] {
                    let at = try #require(index)
                    let stored = try #require(try await fixture.environment.ledger.store.entries(from: at, limit: 1).first)
                    #expect(try stored.decoded().responseSHA256 == SHA256.hash(data: Array(first.bytes.utf8)).hexString)
                }

                // A change through this gateway's store.
                _ = try await fixture.environment.cases.update(id) { $0.location = "Outside 9 Havelock Road, UB2 4NZ" }
                let changed = try await view()
                #expect(changed.bytes != first.bytes)
                #expect(changed.bytes == (try await freshView(fixture, id, day: day)))

                // A change by another process (the CLI, say): its own connections to the same files.
                let other = try SQLiteDatabase(directory: URL(fileURLWithPath: fixture.configuration.dataDirectory))
                _ = try await SQLiteCaseStore(database: other, clock: fixture.environment.clock).update(id) {
                    $0.location = "Outside 11 Havelock Road, UB2 4NZ"
                }
                let elsewhere = try await view()
                #expect(elsewhere.bytes != changed.bytes)
                #expect(elsewhere.bytes == (try await freshView(fixture, id, day: day)))

                // A purge by another process: the very next request is a 404.
                _ = try await SQLiteRetentionStore(database: other).purge([(caseID: id.uuidString, rule: "test", category: "A")], sweepID: "s1")
                #expect(try await view().status == .notFound)
            }
        }
    }

    @Test("with view_cache_mb 0 nothing is kept, and views are the same")
    func turnedOff() async throws {
        let (fixture, fixtures) = try await PartnerViewTests.fixtureGateway(viewCacheMegabytes: 0)
        let shown = try #require(fixtures.first { $0.expected["met-police"]?.first?.value != .null })
        try await fixture.withRouters { gateway in
            try await gateway.partner(fixture.metPolice) { client in
                let a = try await client.get("/v1/views/cases/\(shown.case.id.uuidString)")
                let b = try await client.get("/v1/views/cases/\(shown.case.id.uuidString)")
                #expect(a.status == .ok)
                #expect(a.body == b.body)
            }
        }
        #expect(fixture.environment.views.capacity == 0)
        #expect(fixture.environment.views.usage.entries == 0)
    }
}
