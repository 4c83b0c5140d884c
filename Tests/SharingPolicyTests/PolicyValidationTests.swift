import Foundation
import SharingPolicy
import Testing

@Suite("Policy files: validation with file, line and column")
struct PolicyValidationTests {
    static let shipped = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("policies")

    /// A small valid file; tests break one thing at a time.
    static let valid = """
        partner: test-partner
        name: Test Partner
        certificate:
          organisation: Test Partner Ltd
        agreement:
          reference: ISA-TEST-1
          purpose: Testing
          organisations: [Council, Test Partner Ltd]
          data_items: [reference]
          lawful_basis: UK GDPR Art 6(1)(e)
          special_category_data: false
          criminal_offence_data: false
          recipient_retention: 1 year
          review_date: 2030-01-01
        purposes:
          - id: testing
            lawful_basis: UK GDPR Art 6(1)(e)
            records:
              category: [A]
            fields:
              reference: share
              complainant.phone: mask(last=3)
            default: omit
        """

    func diagnostics(_ text: String) -> [PolicyDiagnostic] {
        do {
            _ = try PolicySet.parse(text: text, file: "test.yaml")
            return []
        } catch {
            return error.diagnostics
        }
    }

    func expectOne(_ text: String, line: Int, column: Int, contains message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let found = diagnostics(text)
        #expect(found.count >= 1, sourceLocation: sourceLocation)
        #expect(
            found.contains { $0.line == line && $0.column == column && $0.message.contains(message) },
            "got \(found.map(\.description))",
            sourceLocation: sourceLocation
        )
    }

    @Test func theShippedPoliciesAreValid() throws {
        let set = try PolicySet.load(directory: Self.shipped)
        #expect(Set(set.policies.map(\.partner.id)) == ["met-police", "ealing-homes", "wlmht", "lfb", "probation"])
        #expect(set.version.hasPrefix("sha256:") && set.version.count == 71)
        for policy in set.policies {
            #expect(policy.agreement.lawfulBasis.contains("Art 6(1)(e)"), "\(policy.partner.id)")
        }
    }

    @Test func theSmallFileIsValid() {
        #expect(diagnostics(Self.valid).isEmpty)
    }

    @Test func unknownKeySuggestsTheNearest() {
        expectOne(
            Self.valid.replacingOccurrences(of: "  reference: ISA", with: "  referense: ISA"),
            line: 6,
            column: 3,
            contains: "unknown key 'referense' in 'agreement'; did you mean 'reference'?"
        )
    }

    @Test func unknownFieldPathSuggestsTheNearest() {
        expectOne(
            Self.valid.replacingOccurrences(of: "complainant.phone", with: "complainant.phon"),
            line: 22,
            column: 7,
            contains: "unknown field 'complainant.phon'; did you mean 'complainant.phone'?"
        )
    }

    @Test func unknownRuleSuggestsTheNearest() {
        expectOne(
            Self.valid.replacingOccurrences(of: "reference: share", with: "reference: shar"),
            line: 21,
            column: 18,
            contains: "unknown rule 'shar'; did you mean 'share'?"
        )
    }

    @Test func badRuleArgumentPointsAtTheArgument() {
        expectOne(
            Self.valid.replacingOccurrences(of: "mask(last=3)", with: "mask(lats=3)"),
            line: 22,
            column: 31,
            contains: "mask has no argument 'lats'; did you mean 'last'?"
        )
        expectOne(
            Self.valid.replacingOccurrences(of: "mask(last=3)", with: "generalise(age_bnd)"),
            line: 22,
            column: 37,
            contains: "did you mean 'age_band'?"
        )
    }

    @Test func ruleMustSuitTheField() {
        expectOne(
            Self.valid.replacingOccurrences(of: "reference: share", with: "reference: generalise(age_band)"),
            line: 21,
            column: 18,
            contains: "does not apply to 'reference'"
        )
        expectOne(
            Self.valid.replacingOccurrences(of: "reference: share", with: "reference: scrub"),
            line: 21,
            column: 18,
            contains: "does not apply"
        )
    }

    @Test func everyFieldNeedsARuleOrADefault() {
        expectOne(
            Self.valid.replacingOccurrences(of: "\n    default: omit", with: ""),
            line: 21,
            column: 7,
            contains: "and no 'default'"
        )
    }

    @Test func unknownCategoryAndMissingKeys() {
        expectOne(
            Self.valid.replacingOccurrences(of: "category: [A]", with: "category: [A, D]"),
            line: 19,
            column: 21,
            contains: "'D' is not a valid entry"
        )
        expectOne(
            Self.valid.replacingOccurrences(of: "  review_date: 2030-01-01\n", with: ""),
            line: 6,
            column: 3,
            contains: "'agreement' is missing 'review_date'"
        )
        expectOne(
            Self.valid.replacingOccurrences(of: "2030-01-01", with: "2030-02-30"),
            line: 14,
            column: 16,
            contains: "must be a date"
        )
    }

    @Test("a ward filter must name a ward on the council's list, with file, line and the nearest name; the list itself is checked")
    func wardsOnTheList() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("policies-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("partners"), withIntermediateDirectories: true)
        try "# wards\nHanwell Broadway\nNorth Hanwell\n".write(to: dir.appendingPathComponent("wards.txt"), atomically: true, encoding: .utf8)
        let filtered = Self.valid.replacingOccurrences(
            of: "      category: [A]",
            with: "      category: [A]\n      ward: [North Hanwell, Hanwel Broadway]"
        )
        try filtered.write(to: dir.appendingPathComponent("partners/test-partner.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try PolicySet.load(directory: dir)
            Issue.record("a ward not on the list was accepted")
        } catch {
            #expect(error.diagnostics.count == 1)
            let diagnostic = try #require(error.diagnostics.first)
            #expect(diagnostic.file.hasSuffix("test-partner.yaml") && diagnostic.line == 20)
            #expect(diagnostic.message == "'Hanwel Broadway' is not a ward on the list (wards.txt); did you mean 'Hanwell Broadway'?")
        }
        try filtered.replacingOccurrences(of: "Hanwel Broadway", with: "Hanwell Broadway")
            .write(to: dir.appendingPathComponent("partners/test-partner.yaml"), atomically: true, encoding: .utf8)
        let set = try PolicySet.load(directory: dir)
        #expect(set.wards?.names == ["Hanwell Broadway", "North Hanwell"])

        try "Hanwell Broadway\nNorth Hanwell\nHanwell Broadway\n".write(
            to: dir.appendingPathComponent("wards.txt"),
            atomically: true,
            encoding: .utf8
        )
        #expect(
            throws: PolicyError.diagnostics([
                PolicyDiagnostic(
                    file: dir.appendingPathComponent("wards.txt").path,
                    line: 3,
                    column: 1,
                    message: "'Hanwell Broadway' is listed already, on line 1"
                )
            ])
        ) {
            try PolicySet.load(directory: dir)
        }
    }

    @Test func yamlSyntaxErrorsHaveAPosition() {
        let found = diagnostics(Self.valid.replacingOccurrences(of: "mask(last=3)", with: "mask(last: 3)"))
        #expect(found.count == 1)
        #expect(found.first?.line == 22)
        #expect(found.first?.message.contains("mask(last=3)") == true)
    }

    @Test("the whole set is validated before any of it takes effect")
    func setLevelProblems() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("policies-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("partners"), withIntermediateDirectories: true)
        try Self.valid.write(to: dir.appendingPathComponent("partners/test-partner.yaml"), atomically: true, encoding: .utf8)
        #expect(try PolicySet.load(directory: dir).policies.count == 1)

        // A second partner claiming the same certificate organisation.
        try Self.valid.replacingOccurrences(of: "partner: test-partner", with: "partner: other")
            .write(to: dir.appendingPathComponent("partners/other.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: PolicyError.self) { try PolicySet.load(directory: dir) }

        // A file whose id does not match its name.
        try Self.valid.replacingOccurrences(of: "Test Partner Ltd", with: "Other Ltd")
            .write(to: dir.appendingPathComponent("partners/other.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try PolicySet.load(directory: dir)
            Issue.record("a mismatched partner id was accepted")
        } catch {
            #expect(error.diagnostics.contains { $0.file.hasSuffix("other.yaml") && $0.message.contains("must match the file name 'other'") })
        }
    }

    @Test("the version is the hash of the canonical form: stable, and changed by any rule change")
    func version() throws {
        let a = try PolicySet(policies: [PolicySet.parse(text: Self.valid, file: "a")])
        let b = try PolicySet(policies: [PolicySet.parse(text: "# a comment\n" + Self.valid, file: "b")])
        let c = try PolicySet(policies: [PolicySet.parse(text: Self.valid.replacingOccurrences(of: "last=3", with: "last=4"), file: "c")])
        #expect(a.version == b.version)
        #expect(a.version != c.version)
    }
}
