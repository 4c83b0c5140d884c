import Foundation
import Redaction
import SharingPolicy
import Testing

@Suite("Policy fixtures (policies/tests)")
struct PolicyFixtureTests {
    static let policies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("policies")

    @Test("every shipped partner produces exactly its fixture views")
    func shippedFixturesPass() throws {
        let results = try PolicyFixtureRunner.run(
            directory: Self.policies.appendingPathComponent("tests"),
            policies: try PolicySet.load(directory: Self.policies)
        )
        #expect(results.count >= 3)
        for result in results { #expect(result.failures.isEmpty, "\(result.file): \(result.failures)") }
    }

    @Test("a policy change that alters a view makes the fixtures fail, naming the field")
    func detectsDifferences() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fixtures-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Self.policies, to: dir)
        let file = dir.appendingPathComponent("partners/met-police.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
            .replacingOccurrences(of: "complainant.phone: omit", with: "complainant.phone: share")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let results = try PolicyFixtureRunner.run(directory: dir.appendingPathComponent("tests"), policies: try PolicySet.load(directory: dir))
        let failures = results.flatMap(\.failures)
        #expect(failures.contains { $0.contains("met-police/asb-case-coordination") && $0.contains("phone") })
    }
}
