import ArgumentParser
import CaseModel
import DemoData
import DevPKI
import Foundation
import Gateway
import Ledger
import Logging
import SharingPolicy
import Storage
import Witness

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set up a development gateway (certificates, keys, tokens, synthetic cases) and run it.",
        discussion: """
            Everything goes to fixed places: certificates under certs/dev/ (the council's ca.pem, server.pem, \
            server.key and issued/; each partner's key, CSR and signed certificate in partner-side/<partner-id>/, \
            made as a partner would with `certs request` and signed as the council does with `certs sign`); data under data/ (casegate.sqlite, keys.sqlite, master.key, \
            demo-tokens.json). A second run reuses what exists.
            """
    )

    @OptionGroup var options: ServerOptions

    @Option(help: "Directory for the development certificates.")
    var certsDir = "certs/dev"

    @Option(help: "Synthetic cases to make when the store is empty.")
    var cases = 200

    @Option(help: "Of those, how many to make closed more than ten years ago, so a retention sweep has work.")
    var expiredCases = 0

    @Option(help: "Start this many local witnesses (own keys and state under data/witnesses/, loopback ports) and require all their cosignatures.")
    var witnesses = 0

    @Flag(help: "Set everything up, print how to use it, and exit without serving.")
    var setupOnly = false

    func validate() throws {
        guard (0...16).contains(witnesses) else { throw ValidationError("--witnesses must be from 0 to 16") }
    }

    func run() async throws {
        limitMallocArenas()
        let logger = try startLogging()
        let certs = DevCertificateFiles(directory: URL(fileURLWithPath: certsDir))
        var configuration = try options.configuration()
        // The development certificates unless a flag or the configuration file names others.
        if options.certificate == nil && configuration.tls == GatewayConfiguration().tls {
            configuration.tls = .init(
                certificate: certs.serverCertificate.path,
                privateKey: certs.serverKey.path,
                partnerCA: certs.caCertificate.path
            )
        }

        let directory = try loadPolicies(configuration.policiesDirectory).directory
        let (ca, _) = try certs.loadOrCreateCA()
        try certs.ensureServer(ca: ca)
        for partner in directory.partners {
            guard let organisation = partner.certificateOrganisation, partner.trustAnchor == nil else { continue }
            try certs.ensurePartner(id: partner.id, organisation: organisation, ca: ca)
        }

        if configuration.metricsListener != nil { GatewayMetrics.bootstrap() }
        let environment = try await GatewayEnvironment.open(configuration)
        if try await environment.cases.count() == 0 {
            try await makeCases(environment)
        }
        let tokens = try await demoTokens(environment.users, dataDirectory: configuration.dataDirectory)

        let localWitnesses = try (0..<witnesses).map {
            try LocalWitness(number: $0 + 1, dataDirectory: configuration.dataDirectory, environment: environment, origin: configuration.ledgerOrigin)
        }
        guard !setupOnly else {
            printUsage(configuration: configuration, certs: certs, partners: directory.partners, tokens: tokens)
            await environment.storage.close()
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var endpoints: [WitnessingSettings.Endpoint] = []
            for witness in localWitnesses {
                let (ports, bound) = AsyncStream.makeStream(of: Int.self)
                let app = try WitnessServer.application(
                    witness: witness.witness,
                    host: "127.0.0.1",
                    port: 0,
                    tls: nil,
                    logger: Logger(label: witness.witness.key.name)
                ) {
                    bound.yield($0.localAddress?.port ?? 0)
                    bound.finish()
                }
                group.addTask { try await app.run() }
                guard let port = await ports.first(where: { _ in true }) else {
                    throw ValidationError("witness \(witness.witness.key.name) did not start")
                }
                endpoints.append(WitnessingSettings.Endpoint(url: "http://127.0.0.1:\(port)", key: witness.witness.key.publicKey))
            }
            if !endpoints.isEmpty { configuration.witnessing = WitnessingSettings(witnesses: endpoints) }
            printUsage(configuration: configuration, certs: certs, partners: directory.partners, tokens: tokens)
            let gateway = GatewayServer(configuration: configuration, environment: environment, logger: logger)
            try await gateway.run { ports in
                logger.info("demo gateway ready", metadata: ports.metadata)
            }
            group.cancelAll()
        }
    }

    /// Synthetic cases in batches of 10,000 (a million cases fit in memory a batch at a time), expired ones spread evenly.
    private func makeCases(_ environment: GatewayEnvironment) async throws {
        guard (0...cases).contains(expiredCases) else { throw ValidationError("--expired-cases must be from 0 to --cases") }
        var generator = DemoCaseGenerator(clock: environment.clock)
        let store = environment.cases
        let every = expiredCases == 0 ? Int.max : max(1, cases / expiredCases)
        var batch: [ASBCase] = []
        var expired = 0
        for n in 0..<cases {
            if n % every == 0 && expired < expiredCases {
                batch.append(generator.makeExpiredCase())
                expired += 1
            } else {
                batch.append(generator.makeCase())
            }
            if batch.count == 10_000 || n == cases - 1 {
                _ = try await store.createMany(batch)
                batch.removeAll(keepingCapacity: true)
                if cases > 10_000 { print("made \(n + 1) of \(cases) synthetic cases", terminator: n == cases - 1 ? "\n" : "\r") }
            }
        }
        print("made \(cases) synthetic cases" + (expiredCases > 0 ? ", \(expiredCases) of them closed over ten years ago" : ""))
    }

    /// One token per role, kept in `data/demo-tokens.json` (mode 0600) so scripts can read them.
    private func demoTokens(_ users: any UserStore, dataDirectory: String) async throws -> [String: String] {
        let file = URL(fileURLWithPath: dataDirectory).appendingPathComponent("demo-tokens.json")
        if let data = FileManager.default.contents(atPath: file.path),
            let tokens = try? JSONDecoder().decode([String: String].self, from: data),
            Set(tokens.keys) == Set(StaffRole.allCases.map(\.rawValue))
        {
            return tokens
        }
        var tokens: [String: String] = [:]
        for role in StaffRole.allCases {
            tokens[role.rawValue] = try await users.add(name: "Demo \(role.rawValue)", role: role).token
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard FileManager.default.createFile(atPath: file.path, contents: try encoder.encode(tokens), attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(file.path)")
        }
        return tokens
    }

    private func printUsage(configuration: GatewayConfiguration, certs: DevCertificateFiles, partners: [Partner], tokens: [String: String]) {
        let partner = partners.first { $0.id == "met-police" } ?? partners.first
        let partnerURL = "https://localhost:\(configuration.partnerListener.port)"
        let staffURL = "https://localhost:\(configuration.staffListener.port)"
        print(
            """

            casegate demo
              partner listener (mutual TLS): \(partnerURL)
              staff listener (bearer token): \(staffURL)
              CA certificate:                \(certs.caCertificate.path)
              staff tokens:                  \(configuration.dataDirectory)/demo-tokens.json
              metrics (Prometheus):          \(configuration.metricsListener.map { "http://\($0.host):\($0.port)/metrics" } ?? "off")
            \(witnessLines(configuration.witnessing))

            As a partner (\(partner?.name ?? "none")):
              curl --cacert \(certs.caCertificate.path) \\
                   --cert \(certs.partnerCertificate(partner?.id ?? "met-police").path) \\
                   --key \(certs.partnerKey(partner?.id ?? "met-police").path) \\
                   \(partnerURL)/v1/whoami

            As a caseworker:
              curl --cacert \(certs.caCertificate.path) \\
                   -H "Authorization: Bearer \(tokens["caseworker"] ?? "")" \\
                   "\(staffURL)/v1/cases?category=A&status=open&limit=5"

            IG console (in a browser; trust \(certs.caCertificate.path) or accept the warning):
              \(staffURL)/console
              sign in with the ig-officer token (or the admin one) from \(configuration.dataDirectory)/demo-tokens.json:
              \(tokens["ig-officer"] ?? "")

            """
        )
        if let witnessing = configuration.witnessing, let partner {
            let witnessKeys = (1...witnessing.witnesses.count).map { "--witness-key \(configuration.dataDirectory)/witnesses/w\($0)/witness.vkey" }
            print(
                """
                Check the ledger as \(partner.name) would, on a schedule (witness keys in \(configuration.dataDirectory)/witnesses/*/witness.vkey):
                  curl -s --cacert \(certs.caCertificate.path) --cert \(certs.partnerCertificate(partner.id).path) --key \(certs.partnerKey(partner.id).path) \\
                       \(partnerURL)/v1/ledger/public-key > ledger.vkey
                  swift run casegate monitor --url \(partnerURL) --state monitor.sqlite --public-key ledger.vkey \\
                       \(witnessKeys.joined(separator: " ")) \\
                       --certificate \(certs.partnerCertificate(partner.id).path) --private-key \(certs.partnerKey(partner.id).path) --server-ca \(certs.caCertificate.path)

                """
            )
        }
        // Standard output is block-buffered when piped or logged, and the gateway then runs until stopped: flush every stream.
        fflush(nil)
    }

    private func witnessLines(_ witnessing: WitnessingSettings?) -> String {
        guard let witnessing else { return "  witnesses:                     none (--witnesses N starts N local ones)" }
        let lines = witnessing.witnesses.map { "    \($0.key.name) at \($0.url)" }
        return (["  witnesses (all \(witnessing.quorum) must cosign):"] + lines).joined(separator: "\n")
    }
}

/// A witness the demo runs in its own process: key and state under `data/witnesses/w<n>/`, witnessing this
/// gateway's ledger with every key that has signed it.
struct LocalWitness {
    let witness: Witness

    init(number: Int, dataDirectory: String, environment: GatewayEnvironment, origin: String) throws {
        let directory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("witnesses/w\(number)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let name = "casegate.local/witness-\(number)"
        let signing = try WitnessSigningKey.loadOrCreate(at: directory.appendingPathComponent("witness.key"), name: name)
        try Data((signing.publicKey.verifierKey + "\n").utf8).write(to: directory.appendingPathComponent("witness.vkey"))
        var logs = WitnessedLogKeys()
        for logKey in environment.ledgerKeys.keys { logs.add(logKey.publicKey, origin: origin) }
        witness = Witness(key: signing, logs: logs, store: try WitnessStateStore(path: directory.appendingPathComponent("state.sqlite").path))
    }
}
