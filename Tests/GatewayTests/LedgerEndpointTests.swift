import CaseModel
import Crypto
import DevPKI
import Foundation
import GRDB
import Gateway
import HTTPTypes
import HummingbirdTesting
import Ledger
import NIOCore
import Redaction
import Storage
import Testing

@Suite("The ledger endpoints: receipts, proofs, IG queries")
struct LedgerEndpointTests {
    func certificate(_ gateway: RoutedGateway, _ partner: String) throws -> IssuedCertificate {
        try gateway.fixture.ca.issueClient(commonName: partner, organisation: PartnerViewTests.organisations[partner]!)
    }

    @Test("a view's receipt verifies offline against a signed checkpoint, with only the public key")
    func receiptsVerifyOffline() async throws {
        let (fixture, fixtures) = try await PartnerViewTests.fixtureGateway()
        let target = try #require(fixtures.first { $0.expected["met-police"]?.first?.value != .null })
        try await fixture.withRouters { gateway in
            try await gateway.partner(try certificate(gateway, "met-police")) { client in
                let view = try await client.get("/v1/views/cases/\(target.case.id.uuidString)")
                #expect(view.status == .ok)
                let index = try #require(view.headers[.casegateLedgerIndex].flatMap(Int.init))
                let entryHash = try #require(view.headers[.casegateEntryHash])
                let note = String(buffer: try #require(try await client.get("/v1/ledger/checkpoint").body))
                let size = try #require(Int(note.split(separator: "\n")[1]))
                #expect(size > index)
                let proof = try await client.get("/v1/ledger/proofs/inclusion?index=\(index)&size=\(size)")
                #expect(proof.status == .ok)
                let entry = try await client.get("/v1/ledger/entries/\(index)")
                #expect(entry.status == .ok)
                let entryBytes = Array(buffer: try #require(entry.body))
                let key = String(buffer: try #require(try await client.get("/v1/ledger/public-key").body))

                let verified = try ReceiptVerification.verify(
                    checkpoint: note,
                    proof: Data(buffer: try #require(proof.body)),
                    entry: entryBytes,
                    verifierKey: key
                )
                #expect(verified.index == index)
                #expect(verified.leafHash == entryHash)

                // The entry records the disclosure: who, what, why, and the hash of the exact bytes sent.
                let recorded = try LedgerEntry.decode(entryBytes)
                #expect(recorded.action == .disclosure && recorded.recipient == "met-police")
                #expect(recorded.caseIDs == [target.case.id.uuidString])
                #expect(recorded.purpose == "asb-case-coordination" && recorded.lawfulBasis?.contains("s.115") == true)
                #expect(recorded.responseSHA256 == SHA256Hex.of(Array(buffer: try #require(view.body))))
                #expect(recorded.fields?.contains(DisclosedField(path: "narrative", rule: "scrub")) == true)

                // A tampered entry or a proof for another size fails.
                var altered = entryBytes
                altered[altered.count / 2] ^= 1
                #expect(throws: (any Error).self) {
                    try ReceiptVerification.verify(checkpoint: note, proof: Data(buffer: proof.body!), entry: altered, verifierKey: key)
                }
            }
            // Another partner cannot read met-police's entry.
            try await gateway.partner(try certificate(gateway, "probation")) { client in
                let listed = try await client.get("/v1/views/cases?limit=1")
                let own = try #require(listed.headers[.casegateLedgerIndex])
                #expect(try await client.get("/v1/ledger/entries/\(own)").status == .ok)
                #expect(try await client.get("/v1/ledger/entries/\(Int(own)! - 1)").status == .notFound)
            }
        }
    }

    @Test("consistency proofs between two checkpoints verify")
    func consistency() async throws {
        let (fixture, fixtures) = try await PartnerViewTests.fixtureGateway()
        try await fixture.withRouters { gateway in
            try await gateway.partner(try certificate(gateway, "met-police")) { client in
                let first = String(buffer: try #require(try await client.get("/v1/ledger/checkpoint").body))
                _ = try await client.get("/v1/views/cases/\(fixtures[0].case.id.uuidString)")
                let second = String(buffer: try #require(try await client.get("/v1/ledger/checkpoint").body))
                let key = try LedgerKeyHistory(text: String(buffer: try #require(try await client.get("/v1/ledger/public-key").body))).current
                let a = try Checkpoint.verify(note: first, publicKey: key)
                let b = try Checkpoint.verify(note: second, publicKey: key)
                #expect(b.size > a.size)
                let response = try await client.get("/v1/ledger/proofs/consistency?from=\(a.size)&to=\(b.size)")
                struct Body: Decodable { var proof: [String] }
                let proof = try JSONDecoder().decode(Body.self, from: Data(buffer: try #require(response.body))).proof.map {
                    Array(Data(base64Encoded: $0)!)
                }
                #expect(MerkleProof.verifyConsistency(size1: a.size, size2: b.size, root1: a.root, root2: b.root, proof: proof))
                #expect(try await client.get("/v1/ledger/proofs/consistency?from=\(b.size)&to=\(a.size)").status == .badRequest)
                #expect(try await client.get("/v1/ledger/proofs/inclusion?index=0&size=999999").status == .badRequest)
            }
        }
    }

    @Test("when the ledger cannot be written the partner gets 503 and no case data")
    func appendFailureWithholdsTheBody() async throws {
        let (fixture, fixtures) = try await PartnerViewTests.fixtureGateway()
        let target = try #require(fixtures.first { $0.expected["met-police"]?.first?.value != .null })
        // Another connection makes every new ledger row fail, as a full disk would.
        let queue = try DatabaseQueue(path: fixture.caseDatabasePath)
        try await queue.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON ledger_entries BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END")
        }
        try await fixture.withRouters { gateway in
            try await gateway.partner(try certificate(gateway, "met-police")) { client in
                let response = try await client.get("/v1/views/cases/\(target.case.id.uuidString)")
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.headers[.casegateLedgerIndex] == nil)
                let body = String(buffer: try #require(response.body))
                #expect(!body.contains(target.case.reference) && !body.contains("Okafor"))
            }
            try await queue.write { db in try db.execute(sql: "DROP TRIGGER refuse") }
            try await gateway.partner(try certificate(gateway, "met-police")) { client in
                let again = try await client.get("/v1/views/cases/\(target.case.id.uuidString)")
                #expect(again.status == .ok, "recovers once the store can be written")
            }
        }
    }

    @Test(
        "a database another process holds locked: 503 for writes and disclosures, nothing written or sent; fine once released",
        .timeLimit(.minutes(1))
    )
    func lockedDatabase() async throws {
        let (fixture, fixtures) = try await PartnerViewTests.fixtureGateway()
        let target = try #require(fixtures.first { $0.expected["met-police"]?.first?.value != .null })
        let token = try await fixture.environment.users.add(name: "Casey", role: .caseworker).token
        let before = try await fixture.environment.cases.count()
        let entries = fixture.environment.ledger.size
        // Another process's connection takes the write lock and keeps it past the gateway's 5 s busy timeout.
        let locker = try DatabaseQueue(path: fixture.caseDatabasePath)
        // On a thread of its own: a lock held by a blocked task would starve Swift's cooperative pool.
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        await withCheckedContinuation { (locked: CheckedContinuation<Void, Never>) in
            Thread {
                try? locker.writeWithoutTransaction { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    locked.resume()
                    release.wait()
                    try db.execute(sql: "ROLLBACK")
                }
                finished.signal()
            }.start()
        }
        try await fixture.withRouters { gateway in
            try await gateway.staff { client in
                let response = try await client.execute(
                    .init(
                        "/v1/cases",
                        method: .post,
                        headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                        body: ByteBuffer(string: StaffAPITests.newCase)
                    )
                )
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.headers[.retryAfter] != nil)
            }
            let identity = try gateway.fixture.ca.issueClient(commonName: "met-police", organisation: "Metropolitan Police Service")
            try await gateway.partner(identity) { client in
                let response = try await client.get("/v1/views/cases/\(target.case.id.uuidString)")
                #expect(response.status == .serviceUnavailable)
                let body = try #require(response.body)
                #expect(!String(buffer: body).contains(target.case.reference))
            }
            release.signal()
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                Thread {
                    finished.wait()
                    done.resume()
                }.start()
            }
            #expect(try await fixture.environment.cases.count() == before, "no case half-written")
            #expect(fixture.environment.ledger.size == entries, "no entry for what did not happen")
            try await gateway.staff { client in
                let response = try await client.execute(
                    .init(
                        "/v1/cases",
                        method: .post,
                        headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                        body: ByteBuffer(string: StaffAPITests.newCase)
                    )
                )
                #expect(response.status == .created, "recovers once the lock is released")
            }
            let again = try await gateway.partner(try certificate(gateway, "met-police")) {
                try await $0.get("/v1/views/cases/\(target.case.id.uuidString)")
            }
            #expect(again.status == .ok)
        }
    }

    @Test("IG officers query disclosures (JSON and CSV), a case's history and a subject's disclosures; others cannot")
    func governanceQueries() async throws {
        let (fixture, fixtures) = try await PartnerViewTests.fixtureGateway()
        let ig = try await fixture.environment.users.add(name: "Iggy", role: .igOfficer).token
        let caseworker = try await fixture.environment.users.add(name: "Casey", role: .caseworker).token
        let hate = try #require(fixtures.first { $0.case.narrative.contains("racist") })
        try await fixture.withRouters { gateway in
            for partner in ["met-police", "probation", "wlmht"] {
                try await gateway.partner(try certificate(gateway, partner)) { client in
                    _ = try await client.get("/v1/views/cases/\(hate.case.id.uuidString)")
                }
            }
            try await gateway.staff { client in
                func get(_ uri: String, _ token: String) async throws -> TestClient.Response {
                    try await client.execute(.init(uri, method: .get, headers: [.authorization: "Bearer \(token)"]))
                }
                #expect(try await get("/v1/disclosures", caseworker).status == .forbidden)

                let all = try await get("/v1/disclosures?case=\(hate.case.id.uuidString)", ig)
                #expect(all.status == .ok)
                let text = String(buffer: try #require(all.body))
                for partner in ["met-police", "probation", "wlmht"] { #expect(text.contains("\"recipient\":\"\(partner)\"")) }
                let onlyPolice = String(buffer: try #require(try await get("/v1/disclosures?partner=met-police", ig).body))
                #expect(onlyPolice.contains("met-police") && !onlyPolice.contains("\"recipient\":\"probation\""))

                let csv = try await get("/v1/disclosures?partner=probation&format=csv", ig)
                #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
                let rows = String(buffer: try #require(csv.body)).split(separator: "\r\n")
                #expect(rows.first == Substring(LedgerCSV.header) && rows.count == 2)

                let history = String(buffer: try #require(try await get("/v1/cases/\(hate.case.id.uuidString)/disclosures", ig).body))
                #expect(history.contains("\"action\":\"disclosure\""))

                let subject = try await get("/v1/subjects/disclosures?name=grace%20OKAFOR&date_of_birth=1958-02-17", ig)
                let subjectText = String(buffer: try #require(subject.body))
                #expect(subjectText.contains("\"cases_found\":\"1\"") && subjectText.contains("\"recipient\":\"wlmht\""))
                // The search itself is in the ledger, against the case it found, by the officer who made it.
                let consultations = try await fixture.environment.ledger.store.query(LedgerQuery(actions: [.consultation], limit: 100))
                    .map { try $0.decoded() }.filter { $0.details?["reason"] == "subject-access" }
                #expect(consultations.count == 1 && consultations.first?.caseIDs.count == 1 && consultations.first?.actor.kind == .staff)
                let nobody = String(buffer: try #require(try await get("/v1/subjects/disclosures?name=Nobody%20Atall", ig).body))
                #expect(nobody.contains("\"entries\":[]"))
                #expect(try await get("/v1/subjects/disclosures?name=x&date_of_birth=1958", ig).status == .badRequest)
            }
        }
    }

    @Test("no personal value from the cases appears anywhere in the ledger's stored bytes")
    func noPersonalDataInTheLedger() async throws {
        let (fixture, fixtures) = try await PartnerViewTests.fixtureGateway()
        let token = try await fixture.environment.users.add(name: "Casey", role: .caseworker).token
        try await fixture.withRouters { gateway in
            for partner in PartnerViewTests.organisations.keys {
                try await gateway.partner(try certificate(gateway, partner)) { client in
                    _ = try await client.get("/v1/views/cases?limit=100")
                    for f in fixtures { _ = try await client.get("/v1/views/cases/\(f.case.id.uuidString)") }
                }
            }
            try await gateway.staff { client in
                for f in fixtures {
                    _ = try await client.execute(
                        .init("/v1/cases/\(f.case.id.uuidString)", method: .get, headers: [.authorization: "Bearer \(token)"])
                    )
                }
            }
        }
        let queue = try DatabaseQueue(path: fixture.caseDatabasePath)
        let rows = try await queue.read { db in try Data.fetchAll(db, sql: "SELECT entry FROM ledger_entries") }
        #expect(rows.count > 10)
        let ledgerText = rows.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
        for f in fixtures {
            var secrets = [f.case.location, f.case.narrative.prefix(30).description, f.case.policeReference ?? "CAD-none"]
            for p in f.case.parties {
                secrets += [p.name, p.phone, p.email, p.dateOfBirth?.description, p.address?.postcode.description, p.address?.lines.first]
                    .compactMap { $0 }
            }
            for secret in secrets { #expect(!ledgerText.contains(secret), "'\(secret)' found in the ledger") }
        }
    }
}

enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String {
        var hasher = Crypto.SHA256()
        hasher.update(data: bytes)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
