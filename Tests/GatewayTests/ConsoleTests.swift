import CaseModel
import DemoData
import DevPKI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Retention
import SharingPolicy
import Storage
import Synchronization
import Testing

@testable import Gateway

/// The IG console over real TLS sockets: sign-in, sessions, CSRF, each page, exports, escaping.
@Suite("IG console")
struct ConsoleTests {
    /// A browser's cookie jar and form posts, enough for these pages.
    struct Browser {
        let client: TestClient
        var cookies: [String: String] = [:]

        mutating func send(
            _ method: HTTPRequest.Method,
            _ uri: String,
            form: [String: String]? = nil,
            bearer: String? = nil
        ) async throws -> TestClient.Response {
            var headers: HTTPFields = [:]
            if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
            if let bearer { headers[.authorization] = "Bearer \(bearer)" }
            var body: ByteBuffer?
            if let form {
                headers[.contentType] = "application/x-www-form-urlencoded"
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                body = ByteBuffer(
                    string: form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
                )
            }
            let response = try await client.execute(.init(uri, method: method, headers: headers, body: body))
            for field in response.headers[values: .setCookie] {
                let pair = field.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { cookies[pair[0]] = pair[1].isEmpty ? nil : pair[1] }
            }
            return response
        }

        mutating func get(_ uri: String) async throws -> (TestClient.Response, String) {
            let response = try await send(.get, uri)
            return (response, response.body.map { String(buffer: $0) } ?? "")
        }

        /// Signs in through the form, as a person would.
        mutating func signIn(_ token: String) async throws -> TestClient.Response {
            let (_, form) = try await get("/console/sign-in")
            let nonce = try #require(Self.value(of: "nonce", in: form))
            return try await send(.post, "/console/sign-in", form: ["nonce": nonce, "token": token])
        }

        static func value(of name: String, in html: String) -> String? {
            guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
            return String(html[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    final class Clock: Sendable {
        let offset = Mutex<TimeInterval>(0)
        var now: @Sendable () -> Date { { [self] in Date().addingTimeInterval(self.offset.withLock { $0 }) } }
    }

    @Test("sign-in: a session cookie (Secure, HttpOnly, SameSite=Strict) for IG officers and admins only; bad tokens and forged forms get nothing")
    func signIn() async throws {
        let fixture = try await GatewayFixture()
        let users = fixture.environment.users
        let ig = try await users.add(name: "Iggy", role: .igOfficer).token
        let caseworker = try await users.add(name: "Casey", role: .caseworker).token
        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.staffClient()) { client in
                var browser = Browser(client: client)
                let (first, _) = try await browser.get("/console/disclosures")
                #expect(first.status == .seeOther && first.headers[.location] == "/console/sign-in")
                let (form, html) = try await browser.get("/console/sign-in")
                #expect(form.status == .ok && html.contains("<label for=\"token\">"))
                #expect(form.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                #expect(form.headers[.setCookie]?.contains("Secure; HttpOnly; SameSite=Strict") == true)

                // A forged form (no sign-in cookie, as from another site) is refused.
                var stranger = Browser(client: client)
                let forged = try await stranger.send(.post, "/console/sign-in", form: ["nonce": "x", "token": ig])
                #expect(forged.status == .forbidden && stranger.cookies["__Host-casegate_session"] == nil)

                #expect(try await browser.signIn("cgt_nobody_" + String(repeating: "A", count: 43)).status == .unauthorized)
                // A caseworker signs in to the casework pages, and no others.
                var casework = Browser(client: client)
                let caseworkerIn = try await casework.signIn(caseworker)
                #expect(caseworkerIn.status == .seeOther && caseworkerIn.headers[.location] == "/casework/cases")
                #expect(try await casework.get("/console/disclosures").0.status == .forbidden)
                #expect(try await casework.get("/casework/cases").0.status == .ok)
                #expect(browser.cookies["__Host-casegate_session"] == nil)
                let signedIn = try await browser.signIn(ig)
                #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/console/disclosures")
                let cookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("__Host-casegate_session=cgs_") })
                #expect(
                    cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Max-Age=1800")
                )
                #expect(try await browser.get("/console/disclosures").0.status == .ok)
                #expect(try await browser.get("/casework/cases").0.status == .forbidden, "an IG officer's session is not a caseworker's")

                // A bearer token is not a session.
                var anonymous = Browser(client: client)
                let bearer = try await anonymous.send(.get, "/console/disclosures", bearer: ig)
                #expect(bearer.status == .seeOther)
            }
        }
    }

    @Test(
        "a verification runs in the background: the page shows its progress and reloads itself, another start while it runs starts nothing, and the result replaces the progress"
    )
    func backgroundVerification() async throws {
        let fixture = try await GatewayFixture()
        let ig = try await fixture.environment.users.add(name: "Iggy", role: .igOfficer).token
        try await fixture.withRunningGateway { gateway in
            let ledger = fixture.environment.ledger
            let origin = fixture.configuration.ledgerOrigin
            let (gate, opening) = AsyncStream.makeStream(of: Void.self)
            let total = ledger.size + 1
            // Held at the gate, as a long ledger holds it, until the test opens it.
            #expect(
                gateway.verification.start(by: "Iggy", total: total) { progress in
                    progress(1)
                    for await _ in gate { break }
                    return try await LedgerVerifier(store: ledger.store, publicKey: ledger.publicKey, origin: origin).verify(progress: progress)
                }
            )
            try await using(try gateway.staffClient()) { client in
                var browser = Browser(client: client)
                _ = try await browser.signIn(ig)
                let (_, running) = try await browser.get("/console/ledger")
                #expect(running.contains("Running since") && running.contains("started by Iggy") && running.contains("1 of \(total) entries"))
                #expect(running.contains(#"<meta http-equiv="refresh" content="2">"#))
                #expect(!running.contains("Run a full verification now"))
                let csrf = try #require(Browser.value(of: "csrf", in: running))
                let again = try await browser.send(.post, "/console/ledger/verify", form: ["csrf": csrf])
                #expect(again.status == .seeOther)
                #expect(gateway.verification.running?.by == "Iggy" && gateway.verification.last == nil, "the second start started nothing")
                opening.yield()
                await gateway.verification.wait(upTo: .seconds(60))
                let (_, finished) = try await browser.get("/console/ledger")
                #expect(finished.contains("verified.") && finished.contains("entries and"))
                #expect(!finished.contains("Running since") && !finished.contains("http-equiv"))
                #expect(finished.contains("Run a full verification now"))
            }
        }
    }

    @Test("sessions expire, sign-out ends them, and a POST without the session's CSRF token is refused")
    func sessionsAndCSRF() async throws {
        let clock = Clock()
        let fixture = try await GatewayFixture(now: clock.now)
        let ig = try await fixture.environment.users.add(name: "Iggy", role: .igOfficer).token
        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.staffClient()) { client in
                var browser = Browser(client: client)
                _ = try await browser.signIn(ig)
                let (_, page) = try await browser.get("/console/ledger")
                let csrf = try #require(Browser.value(of: "csrf", in: page))
                #expect(try await browser.send(.post, "/console/ledger/verify", form: [:]).status == .forbidden)
                #expect(try await browser.send(.post, "/console/ledger/verify", form: ["csrf": String(csrf.reversed())]).status == .forbidden)
                let verified = try await browser.send(.post, "/console/ledger/verify", form: ["csrf": csrf])
                #expect(verified.status == .seeOther)
                let (_, after) = try await browser.get("/console/ledger")
                #expect(after.contains("verified.") && after.contains("entries and"))

                let saved = browser.cookies
                #expect(try await browser.send(.post, "/console/sign-out", form: ["csrf": csrf]).status == .seeOther)
                browser.cookies = saved  // the old cookie, replayed after sign-out
                #expect(try await browser.get("/console/disclosures").0.status == .seeOther, "signed out means signed out")

                _ = try await browser.signIn(ig)
                #expect(try await browser.get("/console/disclosures").0.status == .ok)
                clock.offset.withLock { $0 = 31 * 60 }
                #expect(try await browser.get("/console/disclosures").0.status == .seeOther, "expired after 30 minutes")
            }
        }
    }

    @Test(
        "disclosures: filtered, exported as CSV and JSON, each entry's inclusion proof checked; subject access finds the person's disclosures with the deadline"
    )
    func pages() async throws {
        let fixture = try await GatewayFixture()
        let ig = try await fixture.environment.users.add(name: "Iggy", role: .igOfficer).token
        let draft = ASBCase(
            incidentType: .harassment,
            channel: .phone,
            receivedAt: Date().addingTimeInterval(-86400 * 3),
            ward: "Hanwell Broadway",
            location: "Boston Road",
            narrative: "Shouting.",
            parties: [Party(role: .complainant, name: "Philippa Quennell", dateOfBirth: CalendarDate("1975-05-06"))]
        )
        let c = try await fixture.environment.cases.create(draft)
        try await fixture.withRunningGateway { gateway in
            let view = try await using(try gateway.partnerClient(fixture.metPolice)) { partner in
                try await partner.execute(.init("/v1/views/cases/\(c.id.uuidString)", method: .get))
            }
            #expect(view.status == .ok)
            let index = try #require(view.headers[.casegateLedgerIndex].flatMap { Int($0) })
            try await using(try gateway.staffClient()) { client in
                var browser = Browser(client: client)
                _ = try await browser.signIn(ig)
                let (list, html) = try await browser.get("/console/disclosures?partner=met-police")
                #expect(list.status == .ok && html.contains("/console/ledger/entries/\(index)") && html.contains("<th scope=\"col\">"))
                #expect(!(try await browser.get("/console/disclosures?partner=lfb").1).contains("/console/ledger/entries/\(index)"))
                let (csv, csvText) = try await browser.get("/console/disclosures.csv?partner=met-police")
                #expect(
                    csv.headers[.contentType] == "text/csv; charset=utf-8" && csvText.hasPrefix("index,time,action")
                        && csvText.contains(c.id.uuidString)
                )
                let (json, jsonText) = try await browser.get("/console/disclosures.json?partner=met-police")
                #expect(json.status == .ok && jsonText.contains("\"index\":\(index)"))
                let (_, entry) = try await browser.get("/console/ledger/entries/\(index)")
                #expect(entry.contains("Verified now") && entry.contains("met-police"))
                let (_, history) = try await browser.get("/console/cases/\(c.id.uuidString)/history")
                #expect(history.contains("/console/ledger/entries/\(index)"))

                let (_, subject) = try await browser.get(
                    "/console/subject-access?name=philippa+quennell&date_of_birth=1975-05-06&received=2027-01-31"
                )
                #expect(subject.contains("2027-02-28"), "the deadline: a calendar month, or the month's last day")
                #expect(subject.contains("Metropolitan Police") && subject.contains("asb-case-coordination"))
                let (_, subjectCSV) = try await browser.get("/console/subject-access.csv?name=philippa+quennell&date_of_birth=1975-05-06")
                #expect(subjectCSV.hasPrefix("date,recipient,partner_id,purpose,lawful_basis") && subjectCSV.contains(c.id.uuidString))
                // The search itself is in the ledger.
                let consultations = try await fixture.environment.ledger.store.query(
                    LedgerQuery(caseIDs: [c.id.uuidString], actions: [.consultation], limit: 10)
                )
                #expect(consultations.contains { (try? $0.decoded().details?["reason"]) == "subject-access" })

                for page in ["ledger", "retention", "service-standards", "community-trigger", "records-of-processing", "publication-statistics"] {
                    let (response, body) = try await browser.get("/console/\(page)")
                    #expect(response.status == .ok, "\(page)")
                    #expect(body.contains("<main id=\"main\">") && !body.contains("<script"), "\(page)")
                    #expect(response.headers[.contentSecurityPolicy] != nil && response.headers[.cacheControl] == "no-store", "\(page)")
                }
                let (_, standards) = try await browser.get("/console/service-standards")
                #expect(standards.contains("<svg") && standards.contains("role=\"img\""))
                let (_, ropa) = try await browser.get("/console/records-of-processing.csv")
                #expect(ropa.hasPrefix("controller,recipient,partner_id") && ropa.contains("Metropolitan Police"))
                let (_, stats) = try await browser.get("/console/publication-statistics.csv")
                #expect(stats.contains("Hanwell Broadway,B,<5"))
                #expect(try await browser.get("/console/ledger/entries/999999").0.status == .notFound)
            }
        }
    }

    @Test("retention: a real sweep's purge certificate lists the purged case, its rule, key destruction and erasure entry")
    func purgeCertificate() async throws {
        let fixture = try await GatewayFixture()
        let ig = try await fixture.environment.users.add(name: "Iggy", role: .igOfficer).token
        var generator = DemoCaseGenerator(seed: 11, clock: fixture.environment.clock)
        let expired = try await fixture.environment.cases.create(generator.makeExpiredCase())
        let schedule = try RetentionSchedule.load(file: fixture.policiesDirectory.appendingPathComponent("retention.yaml"))
        let record = try await RetentionSweeper(store: fixture.environment.storage.retention, ledger: fixture.environment.ledger, schedule: schedule)
            .run(dryRun: false, startedBy: .system)
        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.staffClient()) { client in
                var browser = Browser(client: client)
                _ = try await browser.signIn(ig)
                let (_, list) = try await browser.get("/console/retention")
                #expect(list.contains("/console/retention/sweeps/\(record.id)"))
                let (response, page) = try await browser.get("/console/retention/sweeps/\(record.id)")
                #expect(response.status == .ok)
                #expect(page.contains(expired.id.uuidString) && page.contains("Rule ") && page.contains("yes"))
                #expect(try await browser.get("/console/retention/sweeps/sw-nope").0.status == .notFound)
            }
        }
    }

    @Test(
        "retention from the console: an admin's dry run, its review with what partners received, a purge of only the reviewed cases still expired and unheld, its certificate; refused twice, after a schedule change, and to IG officers"
    )
    func consolePurge() async throws {
        let fixture = try await GatewayFixture()
        let admin = try await fixture.environment.users.add(name: "Ada", role: .admin).token
        let ig = try await fixture.environment.users.add(name: "Iggy", role: .igOfficer).token
        var generator = DemoCaseGenerator(seed: 12, clock: fixture.environment.clock)
        let received = try await fixture.environment.cases.create(generator.makeExpiredCase())
        let heldSince = try await fixture.environment.cases.create(generator.makeExpiredCase())
        let kept = try await fixture.environment.cases.create(generator.makeCase())
        let expiringLater = generator.makeExpiredCase()
        _ = try await fixture.environment.ledger.append([
            LedgerDraft(
                actor: LedgerActor(kind: .partner, id: "met-police"),
                recipient: "met-police",
                action: .disclosure,
                caseIDs: [received.id.uuidString],
                purpose: "asb-investigation",
                fields: DisclosedFields([DisclosedField(path: "narrative", rule: "scrub"), DisclosedField(path: "ward", rule: "share")]),
                requestID: "r1"
            )
        ])
        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.staffClient()) { client in
                var browser = Browser(client: client)
                _ = try await browser.signIn(admin)
                let (_, retention) = try await browser.get("/console/retention")
                let csrf = try #require(Browser.value(of: "csrf", in: retention))
                let started = try await browser.send(.post, "/console/retention/sweeps", form: ["csrf": csrf])
                #expect(started.status == .seeOther)
                let dryRunPage = try #require(started.headers[.location])
                let dryRunID = String(dryRunPage.split(separator: "/").last!)
                let review = try await Self.finished(dryRunPage, &browser)
                #expect(review.contains("Would purge: 2 cases"))
                #expect(review.contains(received.id.uuidString) && review.contains(heldSince.id.uuidString))
                #expect(!review.contains(kept.id.uuidString))
                #expect(review.contains("met-police / asb-investigation") && review.contains("narrative, ward"))
                #expect(review.contains("Purge these cases"))

                // A case expiring after the review is not purged by it; a hold placed since leaves its case.
                let lateExpiry = try await fixture.environment.cases.create(expiringLater)
                _ = try await fixture.environment.storage.retention.placeHold(caseID: heldSince.id.uuidString, reason: "claim", by: "u1")

                // IG officers see the review, without the button, and cannot purge.
                var officer = Browser(client: client)
                _ = try await officer.signIn(ig)
                let (_, seen) = try await officer.get(dryRunPage)
                #expect(seen.contains("Would purge: 2 cases") && !seen.contains("Purge these cases"))
                let officerCSRF = try #require(Browser.value(of: "csrf", in: seen))
                #expect(try await officer.send(.post, "\(dryRunPage)/purge", form: ["csrf": officerCSRF]).status == .forbidden)
                #expect(try await officer.send(.post, "/console/retention/sweeps", form: ["csrf": officerCSRF]).status == .forbidden)

                let purged = try await browser.send(.post, "\(dryRunPage)/purge", form: ["csrf": csrf])
                #expect(purged.status == .seeOther)
                let purgePage = try #require(purged.headers[.location])
                let certificate = try await Self.finished(purgePage, &browser)
                #expect(certificate.contains("Purge certificate") && certificate.contains(received.id.uuidString))
                #expect(certificate.contains("1 of its cases left"))
                #expect(!certificate.contains(heldSince.id.uuidString) && !certificate.contains(lateExpiry.id.uuidString))
                #expect(try await fixture.environment.cases.get(received.id) == nil)
                #expect(try await fixture.environment.cases.get(lateExpiry.id) != nil)
                let notices = try await fixture.environment.ledger.store.query(
                    LedgerQuery(caseIDs: [received.id.uuidString], actions: [.notification])
                )
                #expect(try notices.map { try $0.decoded().details?["kind"] } == ["erased"])

                // The same review again is refused, and the page no longer offers it.
                let again = try await browser.send(.post, "\(dryRunPage)/purge", form: ["csrf": csrf])
                #expect(again.status == .conflict)
                #expect(try await browser.get(dryRunPage).1.contains("purged it already"))
                #expect(dryRunID.hasPrefix("sw-"))

                // A review made under another schedule is refused.
                let second = try #require(try await browser.send(.post, "/console/retention/sweeps", form: ["csrf": csrf]).headers[.location])
                _ = try await Self.finished(second, &browser)
                let file = fixture.policiesDirectory.appendingPathComponent("retention.yaml")
                let schedule = try String(contentsOf: file, encoding: .utf8)
                try schedule.replacingOccurrences(of: "keep: 6 years", with: "keep: 7 years").write(to: file, atomically: true, encoding: .utf8)
                let outdated = try await browser.send(.post, "\(second)/purge", form: ["csrf": csrf])
                #expect(outdated.status == .conflict)
                #expect(String(buffer: try #require(outdated.body)).contains("the retention schedule has changed since it ran"))
                #expect(try await fixture.environment.cases.get(lateExpiry.id) != nil)
            }
        }
    }

    /// Follows a sweep's page until the sweep has finished, and returns it.
    static func finished(_ page: String, _ browser: inout Browser) async throws -> String {
        for _ in 0..<500 {
            let (_, html) = try await browser.get(page)
            if !html.contains("reloads itself") { return html }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("sweep \(page) did not finish")
        return ""
    }

    @Test("case text is escaped on every page: a name that is markup stays text")
    func escaping() async throws {
        let fixture = try await GatewayFixture()
        let ig = try await fixture.environment.users.add(name: "Iggy", role: .igOfficer).token
        let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
        for n in 0..<3 {
            _ = try await fixture.environment.cases.create(
                ASBCase(
                    incidentType: .harassment,
                    channel: .phone,
                    receivedAt: Date().addingTimeInterval(Double(-86400 * (n + 1))),
                    ward: "Hanwell Broadway",
                    location: "Place \(n)",
                    narrative: "n",
                    parties: [Party(role: .complainant, name: hostile)]
                )
            )
        }
        try await fixture.withRunningGateway { gateway in
            try await using(try gateway.staffClient()) { client in
                var browser = Browser(client: client)
                _ = try await browser.signIn(ig)
                let (_, page) = try await browser.get("/console/community-trigger")
                #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "listed, as text")
                #expect(!page.contains("<script") && !page.contains("<img"))
            }
        }
    }
}
