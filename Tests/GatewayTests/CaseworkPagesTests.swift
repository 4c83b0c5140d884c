import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Gateway

/// The caseworkers' pages over real TLS sockets: a report recorded from the form, events, an amendment
/// that admits the case to the housing association, and errors shown the GOV.UK way with nothing written.
@Suite("Casework pages")
struct CaseworkPagesTests {
    typealias Browser = ConsoleTests.Browser

    @Test("a phone report, its interview and action plan, a tenancy tag; the housing association's view then admits the case")
    func recordAndAmend() async throws {
        let fixture = try await GatewayFixture()
        let token = try await fixture.environment.users.add(name: "Casey", role: .caseworker).token
        let housing = try fixture.ca.issueClient(commonName: "ealing-homes", organisation: "Ealing Homes Housing Association")
        try await fixture.withRunningGateway { gateway in
            let id: String = try await using(try gateway.staffClient()) { client in
                var browser = Browser(client: client)
                _ = try await browser.signIn(token)
                let (form, html) = try await browser.get("/casework/cases/new")
                #expect(form.status == .ok && html.contains("<label for=\"complainant-name\">"))
                let csrf = try #require(Browser.value(of: "csrf", in: html))

                // Nothing filled in: the form again, an error summary linking to each field, nothing written.
                let casesBefore = try await fixture.environment.cases.count()
                let empty = try await browser.send(.post, "/casework/cases", form: ["csrf": csrf, "channel": "phone"])
                let emptyPage = String(buffer: try #require(empty.body))
                #expect(empty.status == .badRequest && emptyPage.contains("There is a problem"))
                #expect(emptyPage.contains("href=\"#incident_type\"") && emptyPage.contains("id=\"incident_type-error\""))
                let badWard = try await browser.send(
                    .post,
                    "/casework/cases",
                    form: [
                        "csrf": csrf, "incident_type": "harassment", "channel": "phone", "ward": "Hanwel Broadway", "location": "Boston Road",
                        "narrative": "Shouting.", "complainant-name": "Rosalind Achterberg",
                    ]
                )
                let badWardPage = String(buffer: try #require(badWard.body))
                #expect(badWard.status == .badRequest && badWardPage.contains("is not; did you mean"))
                #expect(badWardPage.contains("id=\"ward-error\"") && badWardPage.contains("value=\"Rosalind Achterberg\""), "what was typed is kept")
                #expect(try await fixture.environment.cases.count() == casesBefore)

                let created = try await browser.send(
                    .post,
                    "/casework/cases",
                    form: [
                        "csrf": csrf, "incident_type": "harassment", "channel": "phone", "ward": "Hanwell Broadway",
                        "location": "Outside the flats on Boston Road", "narrative": "Abuse shouted at the complainant every evening.",
                        "complainant-name": "Rosalind Achterberg", "complainant-phone": "020 8825 5000", "other-name": "Unknown male",
                    ]
                )
                #expect(created.status == .seeOther)
                let location = try #require(created.headers[.location])
                let id = String(location.split(separator: "/").last!)

                for (kind, extra) in [("interview-held", ["interview_mode": "phone"]), ("action-plan-agreed", [:])] {
                    let (_, page) = try await browser.get(location)
                    let version = try #require(Browser.value(of: "version", in: page))
                    let recorded = try await browser.send(
                        .post,
                        "\(location)/events",
                        form: ["csrf": csrf, "version": version, "kind": kind, "note": "Done."].merging(extra) { $1 }
                    )
                    #expect(recorded.status == .seeOther, "\(kind)")
                }
                let (_, page) = try await browser.get(location)
                #expect(page.contains("interview-held") && page.contains("action-plan-agreed") && page.contains("Ledger history"))
                #expect(page.contains("interview: met") || page.contains("<td>interview</td><td>met"))
                let version = try #require(Browser.value(of: "version", in: page))
                let amended = try await browser.send(
                    .post,
                    "\(location)/amend",
                    form: [
                        "csrf": csrf, "version": version, "ward": "Hanwell Broadway", "location": "Outside the flats on Boston Road",
                        "narrative": "Abuse shouted at the complainant every evening.", "tags": "tenant:ealing-homes", "police_reference": "",
                    ]
                )
                #expect(amended.status == .seeOther)
                // A stale version is refused, the page says so, and nothing is written.
                let stale = try await browser.send(
                    .post,
                    "\(location)/amend",
                    form: [
                        "csrf": csrf, "version": version, "ward": "Hanwell Broadway", "location": "Elsewhere", "narrative": "Changed.", "tags": "",
                    ]
                )
                let stalePage = String(buffer: try #require(stale.body))
                #expect(stale.status == .badRequest && stalePage.contains("Someone else changed this case"))
                let (_, after) = try await browser.get(location)
                #expect(after.contains("alteration") && after.contains("fields: /tags"))
                return id
            }
            let view = try await using(try gateway.partnerClient(housing)) { partner in
                try await partner.execute(.init("/v1/views/cases/\(id)", method: .get))
            }
            #expect(view.status == .ok, "the housing association now sees the case")
        }
    }
}
