import ByteEncoding
import CaseModel
import CasegateTestSupport
import Foundation
import Gateway
import Ledger
import Storage
import Synchronization
import Testing

@testable import LoadTest

#if canImport(Glibc)
import Glibc
#endif

/// Two gateway processes over one PostgreSQL database: one store, one ledger.
@Suite("Several instances over PostgreSQL", .enabled(if: BackendKind.postgresURL != nil, "needs CASEGATE_TEST_POSTGRES_URL"))
struct MultiInstanceTests {
    @Test(
        "disclosures through two instances at once: one ledger that verifies, every receipt in it exactly once, proofs from either",
        .timeLimit(.minutes(5))
    )
    func twoInstancesOneLedger() async throws {
        let store = try await TestBackend.make(.postgres)
        await store.backend.close()
        let root = store.directory
        let data = root.appendingPathComponent("data").path
        let certs = root.appendingPathComponent("certs").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: root.appendingPathComponent("master.key").path, toPath: data + "/master.key")
        let ports = LoopbackPorts.free(4)
        func arguments(_ n: Int) -> [String] {
            [
                "demo", "--data-dir", data, "--database-url", store.databaseURL!, "--certs-dir", certs, "--cases", "40",
                "--partner-port", "\(ports[2 * n])", "--staff-port", "\(ports[2 * n + 1])", "--host", "127.0.0.1", "--partner-rate-limit", "off",
                "--metrics-port", "0",
                "--policies-dir", CasegateExecutable.packageRoot.appendingPathComponent("policies").path,
            ]
        }
        func log(_ n: Int) -> URL { root.appendingPathComponent("gateway-\(n).log") }
        let setup = try GatewayCrashTests.start(arguments(0) + ["--setup-only"], log: log(0))
        setup.waitUntilExit()
        try #require(setup.terminationStatus == 0)

        let credentials = PartnerCredentials(
            certificate: certs + "/partner-side/met-police/met-police.pem",
            privateKey: certs + "/partner-side/met-police/met-police.key",
            serverCA: certs + "/ca.pem"
        )
        var instances: [ChildProcess] = []
        var started: [PartnerClient] = []
        let all: [(instance: Int, receipt: Receipt)]
        do {
            for n in 0..<2 {
                let instance = try GatewayCrashTests.start(arguments(n), log: log(n))
                instances.append(instance)
                let client = try PartnerClient(baseURL: "https://localhost:\(ports[2 * n])", credentials: credentials, connections: 8)
                started.append(client)
                try await GatewayCrashTests.waitReady(client, gateway: instance, log: log(n))
            }
            let clients = started
            let ids = try await BulkPull(client: clients[0], purpose: nil, pageSize: 100).caseIDs()
            try #require(ids.count > 10)

            // 16 workers, half on each instance, for two seconds.
            let tally = Tally()
            let deadline = ContinuousClock.now + .seconds(2)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<16 {
                    let instance = worker % 2
                    let client = clients[instance]
                    group.addTask {
                        var n = worker
                        while ContinuousClock.now < deadline {
                            n += 1
                            let reply = try await client.get("/v1/views/cases/\(ids[n % ids.count])")
                            if reply.status == 200, let index = reply.ledgerIndex, let hash = reply.entryHash {
                                tally.receipts.withLock { $0.append((instance, Receipt(index: index, entryHash: hash))) }
                            } else {
                                tally.failures.withLock { $0 += 1 }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            all = tally.receipts.withLock { $0 }
            #expect(tally.failures.withLock { $0 } == 0)
            #expect(all.filter { $0.instance == 0 }.count > 20 && all.filter { $0.instance == 1 }.count > 20, "both instances served")

            // Each instance's checkpoint covers the other's receipts, and its proofs hold for them.
            for client in clients {
                let check = try await ReceiptChecker(client: client, sampleSize: 40).check(all.map(\.receipt))
                #expect(check.passed, "\(check)")
                #expect(check.distinct == all.count, "every receipt distinct across instances")
            }

            // Views are cached per instance; a change made anywhere else (here a third handle on the store, as the
            // CLI would be) is in the very next view from either instance, and a purge makes both answer 404.
            let changed = try #require(UUID(uuidString: ids[0]))
            let path = "/v1/views/cases/\(ids[0])"
            let before = try await clients[0].getOK(path).body
            #expect(try await clients[0].getOK(path).body == before)
            let elsewhere = try await GatewayStorage.open(dataDirectory: data, databaseURL: store.databaseURL)
            _ = try await elsewhere.cases(clock: ServiceClock(calendar: WorkingDayCalendar())).update(changed) {
                $0.location = "Outside 9 Havelock Road, UB2 4NZ"
            }
            let after = try await clients[0].getOK(path).body
            #expect(after != before)
            #expect(try await clients[1].getOK(path).body == after)
            _ = try await elsewhere.retention.purge([(caseID: ids[0], rule: "test", category: "A")], sweepID: "multi-instance")
            for client in clients { #expect(try await client.get(path).status == 404) }
            await elsewhere.close()

            for (n, process) in instances.enumerated() {
                kill(process.processIdentifier, SIGTERM)
                try await GatewayCrashTests.waitForExit(process, log: log(n))
            }
            for client in clients { try await client.shutdown() }
        } catch {
            // Neither the gateways nor the clients outlive a failed test.
            for instance in instances { instance.kill() }
            for client in started { try? await client.shutdown() }
            throw error
        }

        // The stored ledger verifies, and every receipt names its entry, a disclosure, with that hash: each exactly once.
        let backend = try await GatewayStorage.open(dataDirectory: data, databaseURL: store.databaseURL)
        let key = try LedgerSigningKey.loadOrCreate(at: GatewayEnvironment.ledgerKeyFile(data), name: GatewayConfiguration().ledgerOrigin)
        let report = try await LedgerVerifier(store: backend.ledger, publicKey: key.publicKey, origin: GatewayConfiguration().ledgerOrigin).verify()
        #expect(report.problem == nil)
        let stored = try await backend.ledger.entries(from: 0, limit: 1_000_000)
        let byIndex = Dictionary(uniqueKeysWithValues: stored.map { ($0.index, $0) })
        for (_, receipt) in all {
            let entry = try #require(byIndex[receipt.index])
            #expect(entry.leafHash.hexString == receipt.entryHash)
            #expect(try entry.decoded().action == .disclosure)
        }
        let disclosures = try stored.filter { try $0.decoded().action == .disclosure && $0.decoded().recipient == "met-police" }
        #expect(disclosures.count >= all.count)
        await backend.close()
        await store.remove()
    }

    final class Tally: Sendable {
        let receipts = Mutex<[(instance: Int, receipt: Receipt)]>([])
        let failures = Mutex(0)
    }
}
