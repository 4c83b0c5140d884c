import Foundation
import Gateway
import HummingbirdTesting
import Testing
import Yams

/// The OpenAPI document served at `/openapi.yaml` describes exactly the routes each listener has.
@Suite("API contract")
struct OpenAPITests {
    @Test("every route of each listener is documented, under that listener, and nothing else is")
    func documentMatchesRouters() async throws {
        let fixture = try await GatewayFixture()
        try await fixture.withRunningGateway { gateway in
            let served = try await using(try gateway.staffClient()) { try await $0.get("/openapi.yaml") }
            #expect(served.status == .ok)
            #expect(served.headers[.contentType]?.hasPrefix("application/yaml") == true)
            let fromPartner = try await using(try gateway.partnerClient(fixture.metPolice)) { try await $0.get("/openapi.yaml") }
            #expect(fromPartner.body == served.body)

            let body = try #require(served.body)
            let document = try #require(try Yams.load(yaml: String(buffer: body)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented: [String: Set<String>] = ["partner": [], "staff": []]
            for (path, operations) in paths {
                for (method, operation) in operations {
                    let listener = try #require((operation as? [String: Any])?["x-casegate-listener"] as? String, "\(method) \(path)")
                    // A hash tile's path has several segments: one parameter in the document, a catch-all route.
                    let key = "\(method.uppercased()) \(path.dropFirst())".replacingOccurrences(of: "tile/{tile}", with: "tile/**")
                    switch listener {
                    case "both":
                        documented["partner"]!.insert(key)
                        documented["staff"]!.insert(key)
                    case "partner", "staff": documented[listener]!.insert(key)
                    default: Issue.record("\(method) \(path): unknown listener '\(listener)'")
                    }
                }
            }
            // The staff pages (the IG console under /console, the casework pages under /casework, and / leading there) are for
            // browsers, not part of the API document.
            let (partner, allStaff) = fixture.routes
            let staff = allStaff.filter {
                !$0.hasPrefix("GET console") && !$0.hasPrefix("POST console") && !$0.hasPrefix("GET casework") && !$0.hasPrefix("POST casework")
                    && $0 != "GET "
            }
            #expect(
                documented["partner"] == partner,
                "partner: undocumented \(partner.subtracting(documented["partner"]!)), not routed \(documented["partner"]!.subtracting(partner))"
            )
            #expect(
                documented["staff"] == staff,
                "staff: undocumented \(staff.subtracting(documented["staff"]!)), not routed \(documented["staff"]!.subtracting(staff))"
            )
        }
    }
}
