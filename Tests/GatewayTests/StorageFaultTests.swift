import Foundation
import Gateway
import HTTPTypes
import HummingbirdTesting
import Ledger
import NIOCore
import SQLiteStorage
import Storage
import Testing

/// A full disk, simulated with SQLite's page limit on the real database, under real requests.
@Suite("Storage faults: a full disk")
struct StorageFaultTests {
    @Test(
        "case writes and disclosures get 503 problem+json with nothing written or sent; every 201 has its ledger entry; all recovers when space returns"
    )
    func fullDisk() async throws {
        let (fixture, fixtures) = try await PartnerViewTests.fixtureGateway()
        let target = try #require(fixtures.first { $0.expected["met-police"]?.first?.value != .null })
        let token = try await fixture.environment.users.add(name: "Casey", role: .caseworker).token
        let sqlite = try #require((fixture.environment.storage as? SQLiteBackend)?.database)
        let casesBefore = try await fixture.environment.cases.count()
        let big = String(repeating: "Noise from the flat above every night. ", count: 500)  // ~20 KB, sealed: several pages
        let body =
            #"{"incident_type": "harassment", "channel": "phone", "ward": "Hanwell Broadway", "location": "Boston Road", "narrative": "\#(big)", "parties": [{"role": "complainant", "name": "Disk Full"}]}"#

        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.staffClient()) { staff in
                func create() async throws -> TestClient.Response {
                    try await staff.execute(
                        .init(
                            "/v1/cases",
                            method: .post,
                            headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                            body: ByteBuffer(string: body)
                        )
                    )
                }
                #expect(try await create().status == .created)
                // The disk fills: no page beyond those the database has now.
                try await sqlite.limitSize(toPages: try await sqlite.pageCount())
                var created = 1
                var refused: TestClient.Response?
                for _ in 0..<200 {
                    let response = try await create()
                    if response.status == .created {
                        created += 1
                    } else {
                        refused = response
                        break
                    }
                }
                let full = try #require(refused, "the page limit was never reached")
                #expect(full.status == .serviceUnavailable)
                #expect(full.headers[.contentType] == "application/problem+json")
                #expect(String(buffer: try #require(full.body)).contains("nothing was changed"))

                // Nothing half-written: every case acknowledged is stored with its ledger entry, and no other.
                #expect(try await fixture.environment.cases.count() == casesBefore + created)
                let collections = try await fixture.environment.ledger.store.query(LedgerQuery(actions: [.collection], limit: 1000))
                #expect(collections.count == created, "one collection entry per 201, none for the refused write")

                // Disclosures go on while their (small) entries still fit; once one cannot be recorded: 503, and no case data leaves.
                try await using(try gateway.partnerClient(fixture.metPolice)) { partner in
                    var withheld: TestClient.Response?
                    for _ in 0..<5000 {
                        let view = try await partner.execute(.init("/v1/views/cases/\(target.case.id.uuidString)", method: .get))
                        if view.status != .ok {
                            withheld = view
                            break
                        }
                        #expect(view.headers[.casegateLedgerIndex] != nil, "every view sent has its entry")
                    }
                    let view = try #require(withheld, "the ledger never filled the database")
                    #expect(view.status == .serviceUnavailable)
                    #expect(!String(buffer: try #require(view.body)).contains(target.case.reference))
                }

                // Space returns: writes and disclosures work again, and the ledger verifies end to end.
                try await sqlite.limitSize(toPages: nil)
                #expect(try await create().status == .created)
                try await using(try gateway.partnerClient(fixture.metPolice)) { partner in
                    let view = try await partner.execute(.init("/v1/views/cases/\(target.case.id.uuidString)", method: .get))
                    #expect(view.status == .ok)
                }
                let ledger = fixture.environment.ledger
                let report = try await LedgerVerifier(store: ledger.store, publicKey: ledger.publicKey, origin: fixture.configuration.ledgerOrigin)
                    .verify()
                #expect(report.problem == nil && report.entries == ledger.size)
            }
        }
    }
}
