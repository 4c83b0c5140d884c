import Dispatch
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Ledger
import Logging
import Metrics
import NIOCore
import NIOSSL
import ServiceLifecycle
import SharingPolicy

/// The two listeners: partners over mutual TLS, staff over TLS with tokens.
public struct GatewayServer: Sendable {
    public let configuration: GatewayConfiguration
    public let environment: GatewayEnvironment
    let logger: Logger
    /// Shared by the admin API and the daily sweep.
    let retention: RetentionService
    /// One per server, so every partner request counts against the same buckets.
    let rateLimiter: PartnerRateLimiter?
    /// The council's identity provider (single sign-on), when configured.
    private let singleSignOn: Result<IdentityProvider, any Error>?
    /// Nil when single sign-on is not configured, or could not be set up (`serviceGroup` then refuses to start).
    var identityProvider: IdentityProvider? { try? singleSignOn?.get() }
    /// The witnesses cosigning checkpoints, when configured; kept as a result so startup can say why not.
    private let witnessingSetup: Result<LedgerWitnessing, any Error>?
    var witnessing: LedgerWitnessing? { try? witnessingSetup?.get() }
    /// The console's last full ledger verification.
    let verification = LedgerVerificationStatus()

    public init(configuration: GatewayConfiguration, environment: GatewayEnvironment, logger: Logger = Logger(label: "casegate")) {
        self.configuration = configuration
        self.environment = environment
        self.logger = logger
        self.retention = RetentionService(environment: environment, configuration: configuration, logger: logger)
        self.singleSignOn = configuration.singleSignOn.map { settings in Result { try IdentityProvider(settings: settings) } }
        self.rateLimiter = configuration.partnerRateLimit.map(PartnerRateLimiter.init)
        self.witnessingSetup = configuration.witnessing.map { settings in
            Result { try LedgerWitnessing(settings: settings, ledger: environment.ledger, logger: logger) }
        }
    }

    /// The partner router. Served behind TLS, it reads each request's certificate from the connection;
    /// tests drive it without TLS, naming the certificate with `peerCertificate`.
    public func partnerRouter(peerCertificate: PeerCertificateSource = .tls) -> Router<PartnerRequestContext> {
        let router = Router(context: PartnerRequestContext.self)
        router.add(middleware: WholeResponseMiddleware())
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        HealthController<PartnerRequestContext>(isReady: readiness).addRoutes(to: router)
        OpenAPIController<PartnerRequestContext>().addRoutes(to: router)
        let v1 = router.group("v1").add(middleware: PartnerIdentityMiddleware(policies: environment.policies, peerCertificate: peerCertificate))
        if let rateLimiter { v1.add(middleware: PartnerRateLimitMiddleware(limiter: rateLimiter)) }
        PartnerController().addRoutes(to: v1)
        LedgerController(ledger: environment.ledger, keys: environment.ledgerKeys, witnessing: witnessing).addRoutes(to: v1.group("ledger"))
        ViewController(store: environment.cases, audit: environment.audit, views: environment.views, now: environment.now)
            .addRoutes(to: v1.group("views/cases").add(middleware: AgreementInForceMiddleware(now: environment.now)))
        ChangeFeedController(ledger: environment.ledger, audit: environment.audit).addRoutes(
            feed: v1.group("views/changes").add(middleware: AgreementInForceMiddleware(now: environment.now)),
            notices: v1.group("notices")
        )
        return router
    }

    public func staffRouter() -> Router<StaffRequestContext> {
        let router = Router(context: StaffRequestContext.self)
        router.add(middleware: WholeResponseMiddleware())
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        HealthController<StaffRequestContext>(isReady: readiness).addRoutes(to: router)
        OpenAPIController<StaffRequestContext>().addRoutes(to: router)
        let v1 = router.group("v1").add(middleware: StaffAuthMiddleware(users: environment.users))
        let operations = CaseOperations(store: environment.cases, audit: environment.audit, policies: environment.policies, now: environment.now)
        let strictJSON = StrictJSONDecoding(maxBodyBytes: configuration.maxBodyBytes)
        CaseController(operations: operations, clock: environment.clock, json: strictJSON)
            .addRoutes(to: v1.group("cases").add(middleware: RequireRoleMiddleware(.caseworker)))
        PolicyController(policies: environment.policies, audit: environment.audit)
            .addRoutes(to: v1.group("policies").add(middleware: RequireRoleMiddleware(.admin)))
        let admin = RequireRoleMiddleware(.admin)
        RetentionController(service: retention).addRoutes(
            sweeps: v1.group("retention/sweeps").add(middleware: admin),
            cases: v1.group("cases").add(middleware: admin)
        )
        let governance = RequireRoleMiddleware(.igOfficer, .admin)
        RestrictionController(operations: operations, json: strictJSON)
            .addRoutes(to: v1.group("cases").add(middleware: RequireRoleMiddleware(.igOfficer)))
        SubjectRequestController(operations: operations, retention: retention, json: strictJSON)
            .addRoutes(to: v1.group("subject-requests").add(middleware: RequireRoleMiddleware(.igOfficer)))
        DisclosureController(ledger: environment.ledger, cases: environment.cases, audit: environment.audit).addRoutes(
            disclosures: v1.group("disclosures").add(middleware: governance),
            cases: v1.group("cases").add(middleware: governance),
            subjects: v1.group("subjects").add(middleware: governance)
        )
        ConsoleController(
            environment: environment,
            configuration: configuration,
            verification: verification,
            retention: retention,
            identityProvider: identityProvider,
            witnessing: witnessing
        ).addRoutes(
            to: router
        )
        return router
    }

    public func partnerApplication(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        Application(
            router: partnerRouter(),
            server: try partnerServer(),
            configuration: .init(
                address: .hostname(configuration.partnerListener.host, port: configuration.partnerListener.port),
                serverName: "casegate"
            ),
            onServerRunning: onServerRunning,
            logger: logger.withLabel("partner")
        )
    }

    public func staffApplication(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        Application(
            router: staffRouter(),
            server: try .tls(.http1(configuration: http1(listener: "staff")), tlsConfiguration: TLSSetup.staff(configuration.tls)),
            configuration: .init(
                address: .hostname(configuration.staffListener.host, port: configuration.staffListener.port),
                serverName: "casegate"
            ),
            onServerRunning: onServerRunning,
            logger: logger.withLabel("staff")
        )
    }

    /// The operations listener: Prometheus metrics over plain HTTP, apart from partners and staff.
    public func operationsApplication(
        _ listener: GatewayConfiguration.MetricsListener,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: OperationsController(ledger: environment.ledger, certificates: CertificateExpiry(configuration.tls)).router(),
            configuration: .init(address: .hostname(listener.host, port: listener.port), serverName: "casegate"),
            onServerRunning: onServerRunning,
            logger: logger.withLabel("operations")
        )
    }

    /// Runs the listeners until SIGINT or SIGTERM, then closes the store.
    public func run(onReady: @escaping @Sendable (ListeningPorts) async -> Void = { _ in }) async throws {
        let reloader = reloadPoliciesOnSIGHUP()
        defer { reloader.cancel() }
        do {
            try await serviceGroup(onReady: onReady).run()
        } catch {
            await environment.storage.close()
            throw error
        }
        await environment.storage.close()
    }

    /// `kill -HUP` reloads the sharing policies, like `POST /v1/policies/reload`.
    private func reloadPoliciesOnSIGHUP() -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        let policies = environment.policies
        let logger = self.logger
        source.setEventHandler {
            do {
                let set = try policies.reload()
                logger.notice("policies reloaded on SIGHUP", metadata: ["version": "\(set.version)"])
            } catch let error as PolicyError {
                for diagnostic in error.diagnostics {
                    logger.error("policy reload rejected; the previous set stays in force", metadata: ["error": "\(diagnostic)"])
                }
            } catch {
                logger.error("policy reload failed", metadata: ["error.type": "\(type(of: error))"])
            }
        }
        source.resume()
        return source
    }

    /// The listeners and background services as one service group; `triggerGracefulShutdown()` stops them.
    public func serviceGroup(onReady: @escaping @Sendable (ListeningPorts) async -> Void = { _ in }) throws -> ServiceGroup {
        _ = try singleSignOn?.get()  // the reason single sign-on could not be set up (an unreadable secret file)
        _ = try witnessingSetup?.get()  // an unreadable witness CA file
        let ports = ReadyPorts(expectsOperations: configuration.metricsListener != nil, onReady: onReady)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: ListenerService(
                    name: "partner",
                    address: address(configuration.partnerListener),
                    try partnerApplication { await ports.bound(.partner, $0.localAddress?.port ?? 0) }
                )
            ),
            .init(
                service: ListenerService(
                    name: "staff",
                    address: address(configuration.staffListener),
                    try staffApplication { await ports.bound(.staff, $0.localAddress?.port ?? 0) }
                )
            ),
            .init(service: CheckpointSigner(ledger: environment.ledger, witnessing: witnessing)),
            .init(service: CertificateExpiryWatch(tls: configuration.tls, policies: environment.policies, logger: logger)),
        ]
        if let metrics = configuration.metricsListener {
            let operations = operationsApplication(metrics) { await ports.bound(.operations, $0.localAddress?.port ?? 0) }
            services.append(.init(service: ListenerService(name: "operations", address: "\(metrics.host):\(metrics.port)", operations)))
        }
        if let time = configuration.retentionDailyAt {
            services.append(.init(service: DailySweep(service: retention, hour: time.hour, minute: time.minute)))
        }
        return ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
    }

    /// HTTP/1.1 over TLS with the partner certificate checks of `PartnerHandshakeVerifier`.
    private func partnerServer() throws -> HTTPServerBuilder {
        let context = try NIOSSLContext(configuration: TLSSetup.partner(configuration.tls))
        let verifier = try PartnerHandshakeVerifier(
            councilCAFile: configuration.tls.partnerCA,
            policies: environment.policies,
            logger: logger.withLabel("partner")
        )
        let http = http1(listener: "partner", certificatesCheckedElsewhere: true)
        return HTTPServerBuilder { responder in
            PartnerTLSChannel(base: HTTP1Channel(responder: responder, configuration: http), context: context, verifier: verifier)
        }
    }

    private func address(_ listener: GatewayConfiguration.Listener) -> String { "\(listener.host):\(listener.port)" }

    /// Idle and slow connections closed; headers bounded well below what any real client sends; refused
    /// handshakes counted and logged.
    private func http1(listener: String, certificatesCheckedElsewhere: Bool = false) -> HTTP1Channel.Configuration {
        let deadline = TimeAmount.seconds(Int64(configuration.requestTimeoutSeconds))
        let logger = self.logger
        return .init(
            additionalChannelHandlers: [
                RequestDeadlineHandler(deadline: deadline),
                HandshakeRefusalHandler(listener: listener, logger: logger, certificatesCheckedElsewhere: certificatesCheckedElsewhere),
            ],
            idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 16 * 1024, maxHeaderFieldCount: 100)
        )
    }

    private var readiness: @Sendable () async -> Bool {
        let storage = environment.storage
        return { await storage.isReady() }
    }
}

/// The ports the listeners bound (the OS picks them when configured as 0).
public struct ListeningPorts: Sendable, Equatable {
    public var partner: Int
    public var staff: Int
    /// The operations (metrics) listener's port; nil when metrics are off.
    public var operations: Int?
}

/// Calls back once every listener has bound its port.
actor ReadyPorts {
    enum Listener { case partner, staff, operations }

    private var bound: [Listener: Int] = [:]
    private let expectsOperations: Bool
    private let onReady: @Sendable (ListeningPorts) async -> Void

    init(expectsOperations: Bool, onReady: @escaping @Sendable (ListeningPorts) async -> Void) {
        self.expectsOperations = expectsOperations
        self.onReady = onReady
    }

    func bound(_ listener: Listener, _ port: Int) async {
        bound[listener] = port
        guard let partner = bound[.partner], let staff = bound[.staff], !expectsOperations || bound[.operations] != nil else { return }
        await onReady(ListeningPorts(partner: partner, staff: staff, operations: bound[.operations]))
    }
}

/// Runs a listener's application with its name in the task-local context, which every connection task
/// inherits: request metrics are labelled with it. A listener that cannot bind says which it is.
struct ListenerService<Inner: Service>: Service {
    let name: String
    let address: String
    let inner: Inner

    init(name: String, address: String, _ inner: Inner) {
        self.name = name
        self.address = address
        self.inner = inner
    }

    func run() async throws {
        do {
            try await ServingListener.$name.withValue(name) { try await inner.run() }
        } catch let error as IOError {
            throw ListenerError(listener: name, address: address, reason: error.description)
        }
    }
}

/// A listener could not start: which, where, and the operating system's reason.
public struct ListenerError: Error, CustomStringConvertible {
    public let listener: String
    public let address: String
    public let reason: String

    public var description: String { "the \(listener) listener cannot listen on \(address): \(reason)" }
}

extension Logger {
    func withLabel(_ listener: String) -> Logger {
        var logger = self
        logger[metadataKey: "listener"] = .string(listener)
        return logger
    }
}

extension ListeningPorts {
    /// For the "listening" log line.
    public var metadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["partner_port": "\(partner)", "staff_port": "\(staff)"]
        if let operations { metadata["metrics_port"] = "\(operations)" }
        return metadata
    }
}
