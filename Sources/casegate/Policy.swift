import ArgumentParser
import ByteEncoding
import CaseModel
import Crypto
import Foundation
import Gateway
import Redaction
import Reports
import SharingPolicy
import Storage

struct Policy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check, explain, test and compare sharing policies.",
        subcommands: [Check.self, Explain.self, Test.self, Diff.self, RecordsOfProcessingCommand.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a policy directory; print every error as file:line:column.")

        @Argument(help: "The policy directory.") var directory = "policies"

        func run() throws {
            let set = try loadPolicies(directory)
            let purposes = set.policies.reduce(0) { $0 + $1.purposes.count }
            let scheduleFile = URL(fileURLWithPath: directory).appendingPathComponent("retention.yaml")
            do {
                let schedule = try RetentionSchedule.load(file: scheduleFile, displayPath: "\(directory)/retention.yaml")
                print("ok: \(set.policies.count) partners, \(purposes) purposes, version \(set.version)")
                print("ok: retention schedule, \(schedule.rules.count) rules, every case covered, version \(schedule.version)")
            } catch {
                printPolicyErrors(error)
                throw ExitCode.failure
            }
        }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show, field by field, what a partner would see of a case and why.")

        @Option(help: "Partner id.") var partner: String
        @Option(name: .customLong("case"), help: "Case id.") var caseID: String
        @Option(help: "Purpose id (needed when the partner has several).") var purpose: String?
        @OptionGroup var storage: StorageOptions
        @Option(help: "Policy directory.") var policiesDir = "policies"

        func run() async throws {
            let set = try loadPolicies(policiesDir)
            guard let policy = set.policy(for: partner) else {
                throw ValidationError("no partner '\(partner)'; partners are \(set.policies.map(\.partner.id).joined(separator: ", "))")
            }
            let purposes = purpose.map { id in policy.purposes.filter { $0.id == id } } ?? policy.purposes
            guard !purposes.isEmpty else { throw ValidationError("'\(partner)' has no purpose '\(purpose ?? "")'") }
            let c = try await CaseLoader(storage: storage, policiesDir: policiesDir).load(caseID)
            print(
                "case \(c.reference) (\(c.id)), category \(c.category.rawValue), \(c.status.rawValue), ward \(c.ward), flags [\(c.flags.sorted().joined(separator: ", "))]"
            )
            print(
                "partner \(policy.partner.id), agreement \(policy.agreement.reference) (review \(policy.agreement.reviewDate)), policy \(set.version)"
            )
            for purpose in purposes {
                print("\npurpose \(purpose.id): \(purpose.lawfulBasis)")
                print("  records: \(purpose.records.summary)")
                if let rejection = purpose.records.rejection(of: c) {
                    print("  NOT ADMITTED: \(rejection); the partner sees nothing of this case for this purpose")
                    continue
                }
                print("  admitted: the case meets every criterion")
                for field in CaseFieldCatalogue.all {
                    let (rule, explicit) = purpose.rule(for: field)
                    let why = explicit ? "named in the policy" : (purpose.defaultRule == nil ? "deny by default" : "falls to default")
                    print(
                        "  \(field.path.padding(toLength: 36, withPad: " ", startingAt: 0)) \(rule.description.padding(toLength: 28, withPad: " ", startingAt: 0)) \(why)"
                    )
                }
            }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the fixtures under policies/tests/: each case's exact expected view per partner.",
            discussion:
                "Exit non-zero on any difference. --record rewrites the expected views from the current policies; review the diff before committing."
        )

        @Option(help: "Policy directory.") var policiesDir = "policies"
        @Flag(help: "Rewrite expected views from what the policies produce now.") var record = false

        func run() throws {
            let set = try loadPolicies(policiesDir)
            let fixturesDir = URL(fileURLWithPath: policiesDir).appendingPathComponent("tests")
            let results = try PolicyFixtureRunner.run(directory: fixturesDir, policies: set, record: record)
            for result in results {
                print("\(result.failures.isEmpty ? "pass" : "FAIL") \(result.file)")
                for failure in result.failures { print("  \(failure)") }
            }
            let failed = results.filter { !$0.failures.isEmpty }.count
            print("\(results.count - failed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode.failure }
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What a policy change would newly disclose or stop disclosing, over the current cases."
        )

        @Argument(help: "The policy directory in force.") var old: String
        @Argument(help: "The proposed policy directory.") var new: String
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let oldSet = try loadPolicies(old)
            let newSet = try loadPolicies(new)
            let loader = try await CaseLoader(storage: storage, policiesDir: new)
            let cases = try await loader.all()
            let report = PolicyDiff.compare(old: oldSet, new: newSet, cases: cases, pseudonymRoot: loader.pseudonymRoot, today: CalendarDate(Date()))
            print("over \(cases.count) cases: policy \(oldSet.version.prefix(19)) → \(newSet.version.prefix(19))")
            print(report.isEmpty ? "no change in what any partner sees" : report.lines.joined(separator: "\n"))
        }
    }

    struct RecordsOfProcessingCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ropa",
            abstract: "The record of processing activities (UK GDPR Art 30) for case sharing, from the policies and retention schedule.",
            discussion:
                "Each partner purpose: recipient, purpose, lawful basis, data subjects and categories, agreement and its review date (flagged when overdue), retention."
        )
        @Option(help: "Policy directory.") var policiesDir = "policies"
        @Flag(help: "Print CSV instead of text.") var csv = false
        @Option(help: "The controller's name, as the record gives it.") var controller = "London Borough of Ealing, Safer Communities"

        func run() async throws {
            let set = try loadPolicies(policiesDir)
            let schedule = try loadSchedule(policiesDir)
            let ropa = RecordsOfProcessing(policies: set, schedule: schedule, today: CalendarDate(Date()), controller: controller)
            if csv {
                print(ropa.csv.text, terminator: "")
                return
            }
            print("Record of processing activities: \(ropa.controller)")
            print("policies \(ropa.policyVersion), retention schedule \(ropa.scheduleVersion)")
            for a in ropa.activities {
                print("\n\(a.recipient) (\(a.partnerID)), purpose \(a.purposeID): \(a.purpose)")
                print("  lawful basis:      \(a.lawfulBasis)")
                print("  data subjects:     \(a.dataSubjects.joined(separator: ", "))")
                print("  data shared:       \(a.dataCategories.joined(separator: ", "))")
                print("  records:           \(a.recordsShared)")
                print("  special category:  \(a.specialCategoryData ? "yes" : "no"); criminal offence data: \(a.criminalOffenceData ? "yes" : "no")")
                print(
                    "  agreement:         \(a.agreementReference), review by \(a.agreementReviewDate)\(a.reviewOverdue ? "  ** REVIEW OVERDUE **" : "")"
                )
                print("  kept by recipient: \(a.recipientRetention)")
            }
            print("\nretention by the council:")
            for line in ropa.retention { print("  \(line)") }
        }
    }
}

/// Reads cases from the store for the policy tools.
struct CaseLoader {
    let store: any CaseStore
    let pseudonymRoot: SymmetricKey

    init(storage: StorageOptions, policiesDir: String) async throws {
        let backend = try await storage.open()
        let calendar = try GatewayEnvironment.loadCalendar(URL(fileURLWithPath: policiesDir).appendingPathComponent("bank-holidays.json"))
        store = backend.cases(clock: ServiceClock(calendar: calendar))
        pseudonymRoot = backend.secrets.pseudonymRoot
    }

    func load(_ id: String) async throws -> ASBCase {
        guard let uuid = UUID(text: id), let c = try await store.get(uuid) else { throw ValidationError("no case \(id)") }
        return c
    }

    func all() async throws -> [ASBCase] { try await store.allCases() }
}
