import CaseModel
import Foundation
import Hummingbird
import Ledger
import Retention
import SharingPolicy
import Storage
import Synchronization

/// Full ledger verifications run from the console (this instance's): one at a time, in the background,
/// so that a long ledger (8.4 million entries take about 90 s) holds no request; the last result is kept.
final class LedgerVerificationStatus: Sendable {
    struct Run: Sendable {
        var finishedAt: Date
        var entries: Int
        var checkpoints: Int
        var problem: String?
        var seconds: Double
    }

    struct Progress: Sendable {
        var startedAt: Date
        var by: String
        var checked: Int
        var total: Int
    }

    private struct State {
        var last: Run?
        var running: Progress?
    }

    private let state = Mutex(State())

    var last: Run? { state.withLock { $0.last } }
    var running: Progress? { state.withLock { $0.running } }

    /// Starts `verify` in the background unless a verification is running; false when one was.
    func start(
        by user: String,
        total: Int,
        _ verify: @escaping @Sendable (_ progress: @escaping @Sendable (Int) -> Void) async throws -> LedgerVerifier.Report
    ) -> Bool {
        let started = state.withLock { state in
            guard state.running == nil else { return false }
            state.running = Progress(startedAt: Date(), by: user, checked: 0, total: total)
            return true
        }
        guard started else { return false }
        Task.detached { [self] in
            let began = ContinuousClock.now
            let run: Run
            do {
                let report = try await verify { checked in self.state.withLock { $0.running?.checked = checked } }
                run = Run(
                    finishedAt: Date(),
                    entries: report.entries,
                    checkpoints: report.checkpoints,
                    problem: report.problem.map { "entry \($0.index): \($0.reason)" },
                    seconds: (ContinuousClock.now - began).inSeconds
                )
            } catch {
                run = Run(
                    finishedAt: Date(),
                    entries: 0,
                    checkpoints: 0,
                    problem: "the ledger could not be read: \(error)",
                    seconds: (ContinuousClock.now - began).inSeconds
                )
            }
            self.state.withLock { state in
                state.last = run
                state.running = nil
            }
        }
        return true
    }

    /// Waits up to `limit` for a running verification to finish.
    func wait(upTo limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while running != nil, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// The ledger's state (latest signed checkpoint, size, the last full verification and a button to run
/// one) and retention (past sweeps with their counts and ledger ranges, the schedule, legal holds).
struct GovernancePages {
    let ledger: Ledger
    let keys: LedgerKeyHistory
    let retention: any RetentionStore
    let policiesDirectory: URL
    let verification: LedgerVerificationStatus
    let origin: String
    /// How long the verify button waits for the result before showing progress instead.
    static let verificationWait = Duration.seconds(2)

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
            [
                "rule": rule, "count": group.count,
                "cases": group.map {
                    [
                        "caseID": $0.caseID, "category": $0.category, "keyDestroyed": $0.keyDestroyed,
                        "ledger": $0.ledgerIndex.map(String.init) ?? "pending",
                    ]
                },
            ] as [String: Any]
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
        if let run = verification.last {
            page["verified"] =
                [
                    "at": LedgerEntry.timestamp(run.finishedAt), "entries": run.entries, "checkpoints": run.checkpoints,
                    "ok": run.problem == nil, "problem": run.problem ?? "", "seconds": String(format: "%.2f", run.seconds),
                ] as [String: Any]
        }
        var refresh: Int?
        if let running = verification.running {
            page["running"] =
                [
                    "at": LedgerEntry.timestamp(running.startedAt), "by": running.by, "checked": running.checked, "total": running.total,
                    "percent": running.total > 0 ? min(100, running.checked * 100 / running.total) : 0,
                ] as [String: Any]
            refresh = 2
        }
        return try ConsoleTemplates.page("ledger", title: "Ledger", page, context: context, refreshSeconds: refresh)
    }

    /// Starts a full verification (recomputing the whole tree from the stored entries and checking every
    /// checkpoint) unless one is running, and shows the ledger page: with the result when it finishes within
    /// `verificationWait`, with its progress otherwise.
    @Sendable func verify(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try ConsoleForm.requireCSRF(try await ConsoleForm.read(request), context: context)
        let (ledger, keys, origin) = (ledger, keys, origin)
        _ = verification.start(by: context.user?.name ?? "", total: ledger.size) { progress in
            try await LedgerVerifier(store: ledger.store, keys: keys, origin: origin).verify(progress: progress)
        }
        await verification.wait(upTo: Self.verificationWait)
        return Response(status: .seeOther, headers: [.location: "/console/ledger"])
    }

    @Sendable func retentionPage(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let sweeps = try await retention.sweeps().map { record -> [String: Any] in
            let summary = SweepSummary.decode(record.summary) ?? SweepSummary()
            let range: String =
                switch (summary.firstLedgerIndex, summary.lastLedgerIndex) {
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
