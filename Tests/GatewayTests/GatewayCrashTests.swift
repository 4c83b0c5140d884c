import ByteEncoding
import CasegateTestSupport
import Foundation
import Gateway
import Ledger
import LoadTest
import Storage
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real gateway as a child process, `kill -9`ed under load.
@Suite("A gateway killed mid-load")
struct GatewayCrashTests {
    @Test(
        "kill -9 during disclosures and case writes: the ledger verifies, every receipt is in it, every acknowledged write is kept",
        .timeLimit(.minutes(5))
    )
    func killedUnderLoad() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data").path
        let certs = root.appendingPathComponent("certs").path
        let ports = LoopbackPorts.free(2)
        let (partnerPort, staffPort) = (ports[0], ports[1])
        let arguments = [
            "demo", "--data-dir", data, "--certs-dir", certs, "--cases", "60", "--partner-port", "\(partnerPort)",
            "--staff-port", "\(staffPort)", "--host", "127.0.0.1", "--partner-rate-limit", "off", "--metrics-port", "0",
            "--policies-dir", CasegateExecutable.packageRoot.appendingPathComponent("policies").path,
        ]
        let log = root.appendingPathComponent("gateway.log")
        let setup = try Self.start(arguments + ["--setup-only"], log: log)
        setup.waitUntilExit()
        #expect(setup.terminationStatus == 0)
        let tokens = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: data + "/demo-tokens.json")))
        let caseworker = try #require(tokens["caseworker"])

        let credentials = PartnerCredentials(
            certificate: certs + "/partner-side/met-police/met-police.pem",
            privateKey: certs + "/partner-side/met-police/met-police.key",
            serverCA: certs + "/ca.pem"
        )
        let partner = try PartnerClient(baseURL: "https://localhost:\(partnerPort)", credentials: credentials, connections: 8)
        let staff = try PartnerClient(baseURL: "https://localhost:\(staffPort)", credentials: credentials, connections: 4)

        // On any failure the clients are shut down (AsyncHTTPClient traps on one that is not) and the gateway killed.
        var gateway: ChildProcess?
        let got: [(Int, String)]
        let acknowledged: [String]
        do {
            let first = try Self.start(arguments, log: log)
            gateway = first
            try await Self.waitReady(partner, gateway: first, log: log)
            let ids = try await BulkPull(client: partner, purpose: nil, pageSize: 100).caseIDs()
            try #require(!ids.isEmpty)

            // Load until the kill: views (receipts kept) and case writes (ids kept when 201 came back).
            let seen = Seen()
            let newCase =
                #"{"incident_type": "vehicle-nuisance", "channel": "email", "ward": "Hanwell Broadway", "location": "Boston Road", "narrative": "Car left running.", "parties": [{"role": "complainant", "name": "Crash Test"}]}"#
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var n = worker
                        while !seen.stop.withLock({ $0 }) {
                            n += 1
                            do {
                                if n % 4 == 0 {
                                    let reply = try await staff.send(.POST, "/v1/cases", bearer: caseworker, json: newCase)
                                    if reply.status == 201,
                                        let object = try? JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView)) as? [String: Any],
                                        let c = object["case"] as? [String: Any], let id = c["id"] as? String
                                    {
                                        seen.written.withLock { $0.append(id) }
                                    }
                                } else {
                                    let reply = try await partner.get("/v1/views/cases/\(ids[n % ids.count])")
                                    if reply.status == 200, let index = reply.ledgerIndex, let hash = reply.entryHash {
                                        seen.receipts.withLock { $0.append((index, hash)) }
                                    }
                                }
                            } catch {
                                // The kill: connections drop mid-request. Those requests were never acknowledged.
                            }
                        }
                    }
                }
                // Killed once the load has got going (sooner on a quiet machine, later on a busy one).
                for _ in 0..<300 {
                    try await Task.sleep(for: .milliseconds(50))
                    if seen.receipts.withLock({ $0.count }) > 40 && seen.written.withLock({ $0.count }) > 8 { break }
                }
                first.kill()
                seen.stop.withLock { $0 = true }
                try await group.waitForAll()
            }
            #expect(first.terminationReason == .uncaughtSignal)
            got = seen.receipts.withLock { $0 }
            acknowledged = seen.written.withLock { $0 }
            #expect(got.count > 20, "the load ran before the kill")
            #expect(acknowledged.count > 5)

            // Restarted, it serves again over the same store.
            let second = try Self.start(arguments, log: log)
            gateway = second
            try await Self.waitReady(partner, gateway: second, log: log)
            #expect(try await partner.get("/v1/views/cases/\(ids[0])").status == 200)
            kill(second.processIdentifier, SIGTERM)
            try await Self.waitForExit(second, log: log)
        } catch {
            gateway?.kill()
            try? await partner.shutdown()
            try? await staff.shutdown()
            throw error
        }
        try await partner.shutdown()
        try await staff.shutdown()

        let configuration = GatewayConfiguration(
            dataDirectory: data,
            policiesDirectory: CasegateExecutable.packageRoot.appendingPathComponent("policies").path
        )
        let environment = try await GatewayEnvironment.open(configuration)
        let ledger = environment.ledger
        let report = try await LedgerVerifier(store: ledger.store, publicKey: ledger.publicKey, origin: configuration.ledgerOrigin).verify()
        #expect(report.entries == ledger.size)
        // Every receipt a partner was given names an entry that is there, with that leaf hash.
        for (index, hash) in got {
            let stored = try #require(try await ledger.store.entries(from: index, limit: 1).first)
            #expect(stored.index == index && stored.leafHash.hexString == hash)
            #expect(try stored.decoded().action == .disclosure)
        }
        #expect(Set(got.map(\.0)).count == got.count, "receipts are distinct")
        // Every write the caseworker saw acknowledged survived.
        for id in acknowledged {
            #expect(try await environment.cases.get(try #require(UUID(uuidString: id))) != nil, "case \(id)")
        }
    }

    /// What the clients were told before the kill.
    final class Seen: Sendable {
        let receipts = Mutex<[(Int, String)]>([])
        let written = Mutex<[String]>([])
        let stop = Mutex(false)
    }

    /// The gateway's standard error is appended to `log`, so a failure can say what it said.
    static func start(_ arguments: [String], log: URL) throws -> ChildProcess {
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let output = try FileHandle(forWritingTo: log)
        output.seekToEndOfFile()
        let process = ChildProcess()
        process.executableURL = try CasegateExecutable.path()
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = output
        try process.run()
        return process
    }

    /// Until the partner listener answers a ping; fails at once if the gateway has exited, and after a minute
    /// if it never answers (each attempt can wait on the client's own connection retries).
    static func waitReady(_ client: PartnerClient, gateway: ChildProcess, log: URL) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard gateway.isRunning else { throw GatewayProblem("the gateway exited (\(gateway.terminationStatus)) before answering", log: log) }
            if (try? await client.get("/v1/ping"))?.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw GatewayProblem("the gateway did not answer a ping within a minute", log: log)
    }

    /// A gateway sent SIGTERM must finish its graceful shutdown; one that has not within a minute is killed and the test fails.
    static func waitForExit(_ gateway: ChildProcess, log: URL) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while gateway.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        guard gateway.isRunning else { return }
        gateway.kill()
        throw GatewayProblem("the gateway did not exit within a minute of SIGTERM", log: log)
    }

    struct GatewayProblem: Error, CustomStringConvertible {
        let description: String

        init(_ what: String, log: URL) {
            let said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            description = "\(what); its last log lines:\n" + said.split(separator: "\n").suffix(15).joined(separator: "\n")
        }
    }
}
