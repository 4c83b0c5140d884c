import Foundation
import Hummingbird
import Storage

/// The IG officer web console on the staff listener, under `/console`: server-rendered pages
/// (swift-mustache), a session cookie from a personal token, CSRF tokens on every form, no scripts.
struct ConsoleController {
    let environment: GatewayEnvironment
    let configuration: GatewayConfiguration
    let verification: LedgerVerificationStatus
    let retention: RetentionService
    /// The council's identity provider, when single sign-on is configured.
    let identityProvider: IdentityProvider?
    /// The witnesses cosigning checkpoints, when configured.
    let witnessing: LedgerWitnessing?

    func addRoutes(to router: Router<StaffRequestContext>) {
        // Someone who opens the staff listener's address in a browser lands on the console.
        router.get("/", use: front)
        let console = router.group("console").add(middleware: ConsoleSecurityHeaders())
        console.get("assets/{file}", use: asset)
        let signedIn = console.group().add(middleware: ConsoleSessionMiddleware(users: environment.users, now: environment.now))
        let anyRole = console.group().add(
            middleware: ConsoleSessionMiddleware(
                users: environment.users,
                now: environment.now,
                roles: Set(StaffRole.allCases),
                pages: "sign in first"
            )
        )
        let signIn = SignInController(
            users: environment.users,
            audit: environment.audit,
            sessionLifetime: TimeInterval(configuration.consoleSessionMinutes * 60),
            now: environment.now,
            tokenSignIn: configuration.consoleTokenSignIn,
            singleSignOn: identityProvider.map { _ in "your council account" }
        )
        signIn.addRoutes(open: console, signedIn: anyRole)
        if let identityProvider {
            SingleSignOnController(
                provider: identityProvider,
                users: environment.users,
                audit: environment.audit,
                signIn: signIn,
                now: environment.now
            )
            .addRoutes(to: console)
        }
        signedIn.get(use: home)
        let policiesDirectory = URL(fileURLWithPath: configuration.policiesDirectory)
        DisclosurePages(
            ledger: environment.ledger,
            cases: environment.cases,
            policies: environment.policies,
            audit: environment.audit,
            now: environment.now
        ).addRoutes(to: signedIn)
        GovernancePages(
            ledger: environment.ledger,
            keys: environment.ledgerKeys,
            verification: verification,
            origin: configuration.ledgerOrigin,
            witnessing: witnessing
        ).addRoutes(to: signedIn)
        RetentionPages(service: retention).addRoutes(to: signedIn)
        CertificatePages(tls: configuration.tls, policies: environment.policies, now: environment.now).addRoutes(to: signedIn)
        UserPages(users: environment.users, now: environment.now).addRoutes(to: signedIn)
        NoticePages(
            ledger: environment.ledger,
            calendar: environment.clock.calendar,
            overdueAfter: configuration.noticeOverdueWorkingDays,
            now: environment.now
        ).addRoutes(to: signedIn)
        RequestRegisterPages(register: SubjectRequestRegister(ledger: environment.ledger), now: environment.now).addRoutes(to: signedIn)
        let casework = router.group("casework").add(middleware: ConsoleSecurityHeaders()).add(
            middleware: ConsoleSessionMiddleware(
                users: environment.users,
                now: environment.now,
                roles: [.caseworker],
                pages: "the casework pages are for the caseworker role"
            )
        )
        CaseworkPages(
            operations: CaseOperations(store: environment.cases, audit: environment.audit, policies: environment.policies, now: environment.now),
            clock: environment.clock,
            ledger: environment.ledger
        ).addRoutes(to: casework)
        ReportPages(
            cases: environment.cases,
            clock: environment.clock,
            policies: environment.policies,
            policiesDirectory: policiesDirectory,
            audit: environment.audit,
            now: environment.now
        ).addRoutes(to: signedIn)
    }

    @Sendable func front(_ request: Request, context: StaffRequestContext) async throws -> Response {
        Response(status: .seeOther, headers: [.location: "/console"])
    }

    @Sendable func home(_ request: Request, context: StaffRequestContext) async throws -> Response {
        Response(status: .seeOther, headers: [.location: "/console/disclosures"])
    }

    @Sendable func asset(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let name = try context.parameters.require("file")
        guard let asset = ConsoleTemplates.assets[name] else { throw Problem.notFound("no console asset \(name)") }
        return Response(status: .ok, headers: [.contentType: asset.type], body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
