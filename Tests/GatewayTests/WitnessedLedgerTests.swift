import AsyncHTTPClient
import ByteEncoding
import DemoData
import DevPKI
import Foundation
import HTTPTypes
import HummingbirdTesting
import Ledger
import LoadTest
import Monitor
import NIOCore
import Testing
import Witness

@testable import Gateway

/// Two `casegate witness serve` processes and a gateway over real sockets: the ledger witnessed end to end.
@Suite("Witnessed ledger: witness processes, cosigned checkpoints, receipt proofs, the partner's monitor")
struct WitnessedLedgerTests {
    struct Setup {
        let fixture: GatewayFixture
        let witnesses: [WitnessProcess]
        let credentials: PartnerCredentials
    }

    /// A gateway with synthetic cases and two witnesses of its ledger, named `<names>/w1` and `<names>/w2`.
    /// Metrics are one registry for the whole test process: a test that reads a witness's metric names
    /// its witnesses apart from those of the tests running beside it.
    static func setup(ledgerKey: Data? = nil, cases: Int = 20, names: String = "witness.test") async throws -> Setup {
        let fixture = try await GatewayFixture(ledgerKey: ledgerKey)
        var generator = DemoCaseGenerator(clock: fixture.environment.clock)
        _ = try await fixture.environment.cases.createMany(generator.makeCases(cases))
        let logKey = fixture.environment.ledger.publicKey.verifierKey
        var witnesses: [WitnessProcess] = []
        for n in 1...2 {
            witnesses.append(
                try await WitnessProcess(name: "\(names)/w\(n)", directory: fixture.root.appendingPathComponent("witness-\(n)"), logKey: logKey)
            )
        }
        let certificate = fixture.root.appendingPathComponent("met-police.pem")
        let key = fixture.root.appendingPathComponent("met-police.key")
        try fixture.metPolice.certificatePEM.write(to: certificate, atomically: true, encoding: .utf8)
        try fixture.metPolice.privateKeyPEM.write(to: key, atomically: true, encoding: .utf8)
        let credentials = PartnerCredentials(
            certificate: certificate.path,
            privateKey: key.path,
            serverCA: fixture.root.appendingPathComponent("certs/ca.pem").path
        )
        return Setup(fixture: fixture, witnesses: witnesses, credentials: credentials)
    }

    static func witnessing(_ witnesses: [WitnessProcess]) -> (inout GatewayConfiguration) -> Void {
        { $0.witnessing = WitnessingSettings(witnesses: witnesses.map { .init(url: $0.url, key: $0.key) }, timeoutSeconds: 2) }
    }

    var policy: (Setup) -> WitnessPolicy { { WitnessPolicy(witnesses: $0.witnesses.map(\.key), quorum: 2) } }

    /// The first case the partner may see, viewed: the response and its receipt.
    func view(_ client: TestClient) async throws -> (body: [UInt8], index: Int, hash: String) {
        let list = try await client.get("/v1/views/cases?limit=1")
        #expect(list.status == .ok)
        let listed = String(buffer: try #require(list.body))
        let id = try #require(listed.firstMatch(of: /"case_id" *: *"([0-9A-Fa-f-]{36})"/)?.1)
        let view = try await client.get("/v1/views/cases/\(id)")
        #expect(view.status == .ok)
        return (
            Array(buffer: try #require(view.body)), try #require(view.headers[.casegateLedgerIndex].flatMap(Int.init)),
            try #require(view.headers[.casegateEntryHash])
        )
    }

    @Test("checkpoints carry both witnesses' cosignatures, and a receipt's tlog proof verifies offline with the keys and the quorum")
    func cosignedCheckpointsAndReceiptProofs() async throws {
        let setup = try await Self.setup()
        let keys = setup.fixture.environment.ledgerKeys
        try await setup.fixture.withRunningGateway(configure: Self.witnessing(setup.witnesses)) { gateway in
            try await using(try gateway.partnerClient(setup.fixture.metPolice, timeout: .seconds(10))) { client in
                let (body, index, hash) = try await view(client)
                let checkpoint = try await client.get("/v1/ledger/checkpoint")
                let note = try SignedNoteText(parsing: String(buffer: try #require(checkpoint.body)))
                #expect(try policy(setup).verify(note, logKeys: keys).cosigners.count == 2)

                let proof = try await client.get("/v1/ledger/proofs/receipt?index=\(index)")
                #expect(proof.status == .ok)
                #expect(proof.headers[.casegateWitnessCosignatures] == "2")
                let text = String(buffer: try #require(proof.body))
                #expect(text.hasPrefix("c2sp.org/tlog-proof@v1\nextra "))
                let verified = try ReceiptVerification.verify(
                    tlogProof: text,
                    logKeys: keys,
                    witnesses: policy(setup),
                    entryHash: hash,
                    responseBody: body
                )
                #expect(verified.index == index)
                #expect(verified.cosigners.map(\.name) == ["witness.test/w1", "witness.test/w2"])
                // Not this receipt, not this body, or a witness the proof lacks: refused.
                #expect(throws: ReceiptVerification.Failure.self) {
                    try ReceiptVerification.verify(
                        tlogProof: text,
                        logKeys: keys,
                        witnesses: policy(setup),
                        entryHash: String(repeating: "0", count: 64)
                    )
                }
                #expect(throws: ReceiptVerification.Failure.self) {
                    try ReceiptVerification.verify(tlogProof: text, logKeys: keys, witnesses: policy(setup), responseBody: body + [0x20])
                }
                let stranger = WitnessSigningKey(name: "witness.test/w3", privateKey: .init()).publicKey
                #expect(throws: ReceiptVerification.Failure.self) {
                    try ReceiptVerification.verify(
                        tlogProof: text,
                        logKeys: keys,
                        witnesses: WitnessPolicy(witnesses: [stranger] + setup.witnesses.map(\.key), quorum: 3)
                    )
                }
                // Another partner's entry has no proof for this one.
                #expect(try await client.get("/v1/ledger/proofs/receipt?index=0").status == .notFound)
            }
        }
    }

    @Test("a witness refuses a forked checkpoint (422) and a rollback (400), signed though they are with the ledger's key")
    func witnessesRefuseForksAndRollbacks() async throws {
        let setup = try await Self.setup()
        try await setup.fixture.withRunningGateway(configure: Self.witnessing(setup.witnesses)) { gateway in
            try await using(try gateway.partnerClient(setup.fixture.metPolice, timeout: .seconds(10))) { client in
                _ = try await view(client)
                _ = try await client.get("/v1/ledger/checkpoint")
            }
        }
        let witness = setup.witnesses[0]
        let cosigned = try #require(try WitnessStateStore(path: witness.state).log(setup.fixture.configuration.ledgerOrigin))
        let key = setup.fixture.environment.ledger.key
        let forked = try Checkpoint(origin: key.name, size: cosigned.size, root: Array(repeating: 9, count: 32)).signed(with: key)
        let rolledBack = try Checkpoint(
            origin: key.name,
            size: cosigned.size - 1,
            root: try await setup.fixture.environment.ledger.root(size: cosigned.size - 1)
        ).signed(with: key)
        func submit(_ request: AddCheckpointRequest) async throws -> Int {
            var http = HTTPClientRequest(url: witness.url + "/add-checkpoint")
            http.method = .POST
            http.body = .bytes(ByteBuffer(string: request.body))
            return Int(try await HTTPClient.shared.execute(http, timeout: .seconds(5)).status.code)
        }
        #expect(try await submit(AddCheckpointRequest(oldSize: cosigned.size, proof: [], checkpoint: forked)) == 422)
        #expect(try await submit(AddCheckpointRequest(oldSize: cosigned.size, proof: [], checkpoint: rolledBack)) == 400)
        #expect(try WitnessStateStore(path: witness.state).log(setup.fixture.configuration.ledgerOrigin)?.size == cosigned.size)
    }

    @Test("a witness down: disclosures go on, the checkpoint carries one cosignature, the console shows the witness behind and why")
    func witnessDown() async throws {
        let setup = try await Self.setup(names: "down.witness.test")
        let ig = try await setup.fixture.environment.users.add(name: "Iggy", role: .igOfficer).token
        try await setup.fixture.withRunningGateway(configure: Self.witnessing(setup.witnesses)) { gateway in
            setup.witnesses[1].kill()
            try await using(try gateway.partnerClient(setup.fixture.metPolice, timeout: .seconds(10))) { client in
                for _ in 0..<3 { _ = try await view(client) }
                let proof = try await client.get("/v1/ledger/proofs/receipt?index=\(try await view(client).index)")
                #expect(proof.status == .ok)
                #expect(proof.headers[.casegateWitnessCosignatures] == "1")
            }
            try await using(try gateway.staffClient(timeout: .seconds(10))) { client in
                var browser = ConsoleTests.Browser(client: client)
                _ = try await browser.signIn(ig)
                let (response, page) = try await browser.get("/console/ledger")
                #expect(response.status == .ok)
                #expect(page.contains("down.witness.test/w1"))
                #expect(page.contains("The latest checkpoint has 1 of the 2 cosignatures required"))
                #expect(page.contains("unreachable"))
            }
            let metricsPort = try #require(gateway.metricsPort)
            let metrics = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(metricsPort)/metrics"), timeout: .seconds(5))
            let text = String(buffer: try await metrics.body.collect(upTo: 1 << 22))
            #expect(text.contains(#"casegate_witness_failing{witness="down.witness.test/w2"} 1"#))
            #expect(text.contains(#"casegate_witness_failing{witness="down.witness.test/w1"} 0"#))
        }
    }

    @Test("the partner's monitor passes against the gateway, then flags another history shown under the same ledger key")
    func monitorFlagsAFork() async throws {
        let setup = try await Self.setup()
        let state = try MonitorState(path: setup.fixture.root.appendingPathComponent("monitor.sqlite").path)
        let receiptsFile = setup.fixture.root.appendingPathComponent("receipts.jsonl").path
        let keys = setup.fixture.environment.ledgerKeys
        @Sendable func monitor(_ port: Int, receipts: [Int: String]?) async throws -> MonitorReport {
            try await PartnerClient(baseURL: "https://localhost:\(port)", credentials: setup.credentials, connections: 1).closing { client in
                await LogMonitor(log: GatewayLog(client: client), state: state, logKeys: keys, witnesses: policy(setup), receipts: receipts).run()
            }
        }
        try await setup.fixture.withRunningGateway(configure: Self.witnessing(setup.witnesses)) { gateway in
            try await PartnerClient(
                baseURL: "https://localhost:\(gateway.partnerPort)",
                credentials: setup.credentials,
                connections: 1,
                receiptLog: try ReceiptLog(path: receiptsFile)
            ).closing { client async throws in
                for path in ["/v1/views/cases?limit=5", "/v1/views/cases?limit=3"] { #expect(try await client.get(path).status == 200) }
            }
            let report = try await monitor(gateway.partnerPort, receipts: try ReceiptLog.read(path: receiptsFile))
            #expect(report.status == .ok, "\(report.problems)")
            #expect(report.disclosuresChecked == 2)
            #expect(report.cosigners.count == 2)
            // A disclosure the partner's systems did not record.
            _ = try await using(try gateway.partnerClient(setup.fixture.metPolice)) { try await view($0) }
            let unasked = try await monitor(gateway.partnerPort, receipts: try ReceiptLog.read(path: receiptsFile))
            #expect(unasked.status == .unrequested)
            #expect(unasked.unrequested.count == 2)
        }
        // Another gateway holding the same ledger key, with its own history: what an attacker with the key could show.
        let other = try await GatewayFixture(ledgerKey: Data(setup.fixture.environment.ledger.key.privateKey.rawRepresentation))
        var generator = DemoCaseGenerator(clock: other.environment.clock)
        _ = try await other.environment.cases.createMany(generator.makeCases(40))
        try other.metPolice.certificatePEM.write(toFile: setup.credentials.certificate, atomically: true, encoding: .utf8)
        try other.metPolice.privateKeyPEM.write(toFile: setup.credentials.privateKey, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: setup.credentials.serverCA)
        try FileManager.default.copyItem(at: other.root.appendingPathComponent("certs/ca.pem"), to: URL(fileURLWithPath: setup.credentials.serverCA))
        try await other.withRunningGateway(configure: Self.witnessing(setup.witnesses)) { gateway in
            for _ in 0..<12 { _ = try await using(try gateway.partnerClient(other.metPolice)) { try await $0.get("/v1/views/cases?limit=2") } }
            // The witnesses refuse to cosign the other history, so its checkpoints fall short of the quorum.
            let report = try await monitor(gateway.partnerPort, receipts: nil)
            #expect(report.status == .misbehaviour)
            #expect(report.evidence == "bad-checkpoint")
            #expect(report.problems.contains { $0.contains("cosigned by 0") })
            // Without witnesses the monitor finds the fork itself: the new checkpoint is not consistent with the one it trusted.
            let alone = try await PartnerClient(baseURL: "https://localhost:\(gateway.partnerPort)", credentials: setup.credentials, connections: 1)
                .closing { client in
                    await LogMonitor(
                        log: GatewayLog(client: client),
                        state: state,
                        logKeys: keys,
                        witnesses: WitnessPolicy(witnesses: [], quorum: 0),
                        receipts: nil
                    ).run()
                }
            #expect(alone.status == .misbehaviour)
            #expect(["fork", "rollback"].contains(alone.evidence))
            #expect(try state.evidence().map(\.kind) == ["bad-checkpoint", alone.evidence])
            #expect(try state.latest()?.size == report.previous?.size)
        }
    }
}
