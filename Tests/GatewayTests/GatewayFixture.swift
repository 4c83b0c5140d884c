import CasegateTestSupport
import Crypto
import DevPKI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOSSL
import SQLiteStorage
import ServiceLifecycle
import SharingPolicy
import Storage
import SwiftASN1

@testable import Gateway

/// A complete gateway on loopback for one test: its own CA, server and
/// partner certificates, policies, data directory and staff users, listening
/// on ports the OS picks.
final class GatewayFixture: Sendable {
    let root: URL
    let ca: DevCertificateAuthority
    let metPolice: IssuedCertificate
    let configuration: GatewayConfiguration
    let environment: GatewayEnvironment

    /// The embedded case database's file, for tests that reach behind the gateway.
    var caseDatabasePath: String { (environment.storage as! SQLiteBackend).database.caseFile.path }

    static let repositoryPolicies = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("policies")

    /// - Parameters:
    ///   - masterKey: a fixed master key (the policy fixtures' test key), or a fresh one.
    ///   - now: the gateway's clock.
    ///   - rateLimit: per partner; off unless a test is about it.
    init(
        maxBodyBytes: Int = 1 << 20,
        masterKey: Data? = nil,
        rateLimit: GatewayConfiguration.RateLimit? = nil,
        idleTimeoutSeconds: Int = 30,
        requestTimeoutSeconds: Int = 30,
        viewCacheMegabytes: Int = 64,
        singleSignOn: SingleSignOnSettings? = nil,
        tokenSignIn: Bool = true,
        ledgerKey: Data? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws {
        // Metrics on, before anything makes a handle, so the metrics test sees real ones.
        GatewayMetrics.bootstrap()
        root = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-gw-\(UUID().uuidString)")
        let certs = DevCertificateFiles(directory: root.appendingPathComponent("certs"))
        let (ca, _) = try certs.loadOrCreateCA()
        try certs.ensureServer(ca: ca)
        self.ca = ca
        metPolice = try ca.issueClient(commonName: "met-police", organisation: "Metropolitan Police Service")
        let policies = root.appendingPathComponent("policies")
        try FileManager.default.copyItem(at: Self.repositoryPolicies, to: policies)
        var configuration = GatewayConfiguration(
            partnerListener: .init(host: "127.0.0.1", port: 0),
            staffListener: .init(host: "127.0.0.1", port: 0),
            metricsListener: .init(host: "127.0.0.1", port: 0),
            dataDirectory: root.appendingPathComponent("data").path,
            policiesDirectory: policies.path,
            tls: .init(certificate: certs.serverCertificate.path, privateKey: certs.serverKey.path, partnerCA: certs.caCertificate.path),
            maxBodyBytes: maxBodyBytes,
            partnerRateLimit: rateLimit,
            idleTimeoutSeconds: idleTimeoutSeconds,
            requestTimeoutSeconds: requestTimeoutSeconds,
            viewCacheMegabytes: viewCacheMegabytes
        )
        configuration.singleSignOn = singleSignOn
        configuration.consoleTokenSignIn = tokenSignIn
        self.configuration = configuration
        if let masterKey {
            let data = root.appendingPathComponent("data")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            try writeKeyFile(masterKey, to: data.appendingPathComponent(SQLiteDatabase.masterKeyFileName))
            // The fixtures' views were made with this key as the pseudonym root.
            let key = SymmetricKey(data: masterKey)
            _ = try SQLiteDatabase(directory: data, newStoreSecrets: StoreSecrets(pseudonymRoot: key, partyIndex: key))
        }
        if let ledgerKey {
            let file = GatewayEnvironment.ledgerKeyFile(configuration.dataDirectory)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try writeKeyFile(ledgerKey, to: file)
        }
        environment = try await GatewayEnvironment.open(configuration, now: now)
    }

    var policiesDirectory: URL { URL(fileURLWithPath: configuration.policiesDirectory) }

    /// Met Police certificates from the fixture's CA that expired yesterday and that start tomorrow.
    func metPoliceOutOfDate() throws -> (expired: IssuedCertificate, notYetValid: IssuedCertificate) {
        let day = 86400.0
        return (
            try ca.issueClient(
                commonName: "met-police",
                organisation: "Metropolitan Police Service",
                validFrom: Date().addingTimeInterval(-30 * day),
                validUntil: Date().addingTimeInterval(-day)
            ),
            try ca.issueClient(
                commonName: "met-police",
                organisation: "Metropolitan Police Service",
                validFrom: Date().addingTimeInterval(day),
                validUntil: Date().addingTimeInterval(30 * day)
            )
        )
    }

    /// Each listener's routes as "METHOD path" (no leading slash), read from the routers themselves.
    var routes: (partner: Set<String>, staff: Set<String>) {
        let server = GatewayServer(configuration: configuration, environment: environment)
        func keys<Context>(_ router: Router<Context>) -> Set<String> {
            Set(
                router.routes.map { route in
                    let path = "\(route.path)"
                    return "\(route.method) \(path.hasPrefix("/") ? String(path.dropFirst()) : path)"
                }
            )
        }
        return (keys(server.partnerRouter()), keys(server.staffRouter()))
    }

    /// Re-reads the partner files into the running resolver; returns the partner ids.
    static func reloadPartners(_ fixture: GatewayFixture) throws -> [String] {
        try fixture.environment.policies.reload().policySet.policies.map(\.partner.id)
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    /// Runs the gateway for the duration of `body`.
    /// `configure` changes the configuration for this run (witnesses, say, which need the ledger's key first).
    func withRunningGateway<T: Sendable>(
        configure: (inout GatewayConfiguration) -> Void = { _ in },
        _ body: @Sendable (RunningGateway) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "casegate-test")
        logger.logLevel = .warning
        var configuration = configuration
        configure(&configuration)
        let server = GatewayServer(configuration: configuration, environment: environment, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: ListeningPorts.self)
        let services = try server.serviceGroup { continuation.yield($0) }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var iterator = ports.makeAsyncIterator()
            guard let bound = await iterator.next() else { throw CancellationError() }
            let running = RunningGateway(
                fixture: self,
                partnerPort: bound.partner,
                staffPort: bound.staff,
                metricsPort: bound.operations,
                verification: server.verification
            )
            do {
                let result = try await body(running)
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }
}

/// Clients for a running gateway.
struct RunningGateway: Sendable {
    let fixture: GatewayFixture
    let partnerPort: Int
    let staffPort: Int
    /// The operations listener's port (metrics), when it is on.
    let metricsPort: Int?
    /// The console's ledger verifications, to hold one open in a test.
    let verification: LedgerVerificationStatus

    /// A client on the partner listener presenting `identity` (or no certificate).
    func partnerClient(
        _ identity: IssuedCertificate?,
        maximumTLSVersion: TLSVersion? = nil,
        timeout: Duration = .seconds(5)
    ) throws -> TestClient {
        var tls = try clientTLS()
        if let identity {
            tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: Array(identity.certificatePEM.utf8), format: .pem))]
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem))
        }
        if let maximumTLSVersion {
            tls.minimumTLSVersion = .tlsv1
            tls.maximumTLSVersion = maximumTLSVersion
        }
        return TestClient(
            host: "127.0.0.1",
            port: partnerPort,
            configuration: .init(tlsConfiguration: tls, timeout: timeout, serverName: "localhost")
        )
    }

    func staffClient(maximumTLSVersion: TLSVersion? = nil, timeout: Duration = .seconds(5)) throws -> TestClient {
        var tls = try clientTLS()
        if let maximumTLSVersion {
            tls.minimumTLSVersion = .tlsv1
            tls.maximumTLSVersion = maximumTLSVersion
        }
        return TestClient(host: "127.0.0.1", port: staffPort, configuration: .init(tlsConfiguration: tls, timeout: timeout, serverName: "localhost"))
    }

    private func clientTLS() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(fixture.ca.issued.certificatePEM.utf8), format: .pem)])
        return tls
    }
}

/// Runs `body` with a connected client and shuts it down afterwards.
func using<T: Sendable>(_ client: TestClient, _ body: (TestClient) async throws -> T) async throws -> T {
    client.connect()
    do {
        let result = try await body(client)
        try? await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// What a test sends requests through: a real TLS socket (`TestClient`) or the routers in process.
protocol GatewayClient: Sendable {
    func execute(_ request: TestClient.Request) async throws -> TestClient.Response
}

extension TestClient: GatewayClient {}

extension RouterClient {
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestClient.Response {
        try await execute(.init(uri, method: .get, headers: headers))
    }

    func post(_ uri: String, headers: HTTPFields = [:], body: ByteBuffer) async throws -> TestClient.Response {
        try await execute(.init(uri, method: .post, headers: headers, body: body))
    }
}

/// A client that drives a router in process, with HummingbirdTesting's router framework.
struct RouterClient: GatewayClient {
    let client: any TestClientProtocol

    func execute(_ request: TestClient.Request) async throws -> TestClient.Response {
        let response = try await client.execute(
            uri: request.head.path ?? "/",
            method: request.head.method,
            headers: request.head.headerFields,
            body: request.body
        )
        return TestClient.Response(head: response.head, body: response.body, trailerHeaders: response.trailerHeaders)
    }
}

/// The gateway's routers, without listeners: for tests where the socket is not what they are about.
struct RoutedGateway: Sendable {
    let fixture: GatewayFixture
    let server: GatewayServer

    /// Runs `body` against the partner router, every request presenting `identity`'s certificate (or none).
    func partner<T: Sendable>(_ identity: IssuedCertificate?, _ body: @Sendable (RouterClient) async throws -> T) async throws -> T {
        let der = try identity.map { issued in
            var serializer = DER.Serializer()
            try serializer.serialize(issued.certificate)
            return serializer.serializedBytes
        }
        return try await Application(router: server.partnerRouter(peerCertificate: .fixed(der))).test(.router) { client in
            try await body(RouterClient(client: client))
        }
    }

    /// Runs `body` against the staff router.
    func staff<T: Sendable>(_ body: @Sendable (RouterClient) async throws -> T) async throws -> T {
        try await Application(router: server.staffRouter()).test(.router) { client in try await body(RouterClient(client: client)) }
    }
}

extension GatewayFixture {
    /// The gateway's routers for the duration of `body`, driven in process.
    func withRouters<T: Sendable>(_ body: @Sendable (RoutedGateway) async throws -> T) async throws -> T {
        var logger = Logger(label: "casegate-test")
        logger.logLevel = .warning
        return try await body(
            RoutedGateway(fixture: self, server: GatewayServer(configuration: configuration, environment: environment, logger: logger))
        )
    }
}
