import CaseModel
import Foundation
import Hummingbird
import Ledger
import Retention
import SharingPolicy
import Storage
import Synchronization

/// The result of the last full ledger verification run from the console (this instance's).
final class LedgerVerificationStatus: Sendable {
    struct Run: Sendable {
        var finishedAt: Date
        var entries: Int
        var checkpoints: Int
        var problem: String?
        var seconds: Double
    }

    let last = Mutex<Run?>(nil)
}

/// The ledger's state (latest signed checkpoint, size, the last full verification and a button to run
/// one) and retention (past sweeps with their counts and ledger ranges, the schedule, legal holds).
struct GovernancePages {
    let ledger: Ledger
    let retention: any RetentionStore
    let policiesDirectory: URL
    let verification: LedgerVerificationStatus
    let origin: String

    func addRoutes(to console: RouterGroup<StaffRequestContext>) {
        console.get("ledger", use: ledgerPage)
        console.post("ledger/verify", use: verify)
        console.get("retention", use: retentionPage)
        console.get("retention/sweeps/{id}", use: certificate)
    }

    /// A sweep's purge certificate: what was purged, under which rule, with key destruction and the erasure entries.
    @Sendable func certificate(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let record = try await retention.sweep(id: id) else { throw Problem.notFound("no sweep \(id)") }
        let summary = SweepSummary.decode(record.summary) ?? SweepSummary()
        let tombstones = try await retention.tombstones(sweepID: id)
        let indices = tombstones.compactMap(\.ledgerIndex)
        let rules = Dictionary(grouping: tombstones, by: \.rule).sorted { $0.key < $1.key }.map { rule, group in
            ["rule": rule, "count": group.count,
             "cases": group.map { ["caseID": $0.caseID, "category": $0.category, "keyDestroyed": $0.keyDestroyed,
                                   "ledger": $0.ledgerIndex.map(String.init) ?? "pending"] }] as [String: Any]
        }
        let page: [String: Any] = [
            "id": record.id, "kind": record.dryRun ? "dry run" : "purge", "state": record.state, "started": LedgerEntry.timestamp(record.startedAt),
            "finished": record.finishedAt.map(LedgerEntry.timestamp) ?? "–", "by": record.startedBy, "schedule": record.scheduleVersion,
            "purged": tombstones.count, "keysDestroyed": tombstones.filter(\.keyDestroyed).count, "examined": summary.examined,
            "held": summary.held, "review": summary.dueForReview,
            "ledgerRange": indices.min().map { "\($0)–\(indices.max()!)" } ?? "–", "rules": rules, "hasRules": !rules.isEmpty,
        ]
        return try ConsoleTemplates.page("sweep", title: "Purge certificate", page, context: context)
    }

    @Sendable func ledgerPage(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let (size, note) = try await ledger.checkpoint()
        var page: [String: Any] = ["size": size, "checkpoint": note, "publicKey": ledger.publicKey.verifierKey]
        if let run = verification.last.withLock({ $0 }) {
            page["verified"] = [
                "at": LedgerEntry.timestamp(run.finishedAt), "entries": run.entries, "checkpoints": run.checkpoints,
                "ok": run.problem == nil, "problem": run.problem ?? "", "seconds": String(format: "%.2f", run.seconds),
            ] as [String: Any]
        }
        return try ConsoleTemplates.page("ledger", title: "Ledger", page, context: context)
    }

    /// Recomputes the whole tree from the stored entries and checks every checkpoint, then shows the result.
    @Sendable func verify(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try ConsoleForm.requireCSRF(try await ConsoleForm.read(request), context: context)
        let started = ContinuousClock.now
        let report = try await LedgerVerifier(store: ledger.store, publicKey: ledger.publicKey, origin: origin).verify()
        let seconds = (ContinuousClock.now - started).inSeconds
        verification.last.withLock {
            $0 = .init(finishedAt: Date(), entries: report.entries, checkpoints: report.checkpoints,
                       problem: report.problem.map { "entry \($0.index): \($0.reason)" }, seconds: seconds)
        }
        return Response(status: .seeOther, headers: [.location: "/console/ledger"])
    }

    @Sendable func retentionPage(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let sweeps = try await retention.sweeps().map { record -> [String: Any] in
            let summary = SweepSummary.decode(record.summary) ?? SweepSummary()
            let range: String = switch (summary.firstLedgerIndex, summary.lastLedgerIndex) {
            case let (first?, last?): "\(first)–\(last)"
            default: "–"
            }
            return [
                "id": record.id, "started": LedgerEntry.timestamp(record.startedAt), "finished": record.finishedAt.map(LedgerEntry.timestamp) ?? "",
                "state": record.state, "dryRun": record.dryRun, "by": record.startedBy, "schedule": String(record.scheduleVersion.prefix(19)),
                "examined": summary.examined, "purged": summary.purged, "held": summary.held, "review": summary.dueForReview, "ledgerRange": range,
            ]
        }
        var page: [String: Any] = ["sweeps": sweeps, "noSweeps": sweeps.isEmpty]
        let holds = try await retention.holds().map {
            ["caseID": $0.caseID, "reason": $0.reason, "by": $0.placedBy, "at": LedgerEntry.timestamp($0.placedAt)]
        }
        page["holds"] = holds
        page["hasHolds"] = !holds.isEmpty
        do {
            let schedule = try RetentionSchedule.load(file: policiesDirectory.appendingPathComponent("retention.yaml"))
            page["scheduleVersion"] = schedule.version
            page["rules"] = schedule.rules.map { rule in
                [
                    "id": rule.id, "keep": rule.keep.description, "after": rule.after.rawValue, "then": rule.then.rawValue,
                    "statuses": rule.statuses.map { $0.map(\.rawValue).sorted().joined(separator: ", ") } ?? "any",
                    "categories": rule.categories.map { $0.map(\.rawValue).sorted().joined(separator: ", ") } ?? "any",
                    "flags": rule.flags.map { $0.sorted().joined(separator: ", ") } ?? "",
                ]
            }
        } catch {
            page["scheduleError"] = error.diagnostics.map(\.description).joined(separator: "\n")
        }
        return try ConsoleTemplates.page("retention", title: "Retention", page, context: context)
    }
}
