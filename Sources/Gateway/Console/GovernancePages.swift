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

/// The ledger's state: latest signed checkpoint, size, the last full verification and a button to run one.
struct GovernancePages {
    let ledger: Ledger
    let keys: LedgerKeyHistory
    let verification: LedgerVerificationStatus
    let origin: String
    let witnessing: LedgerWitnessing?
    /// How long the verify button waits for the result before showing progress instead.
    static let verificationWait = Duration.seconds(2)

    func addRoutes(to console: RouterGroup<StaffRequestContext>) {
        console.get("ledger", use: ledgerPage)
        console.post("ledger/verify", use: verify)
    }

    @Sendable func ledgerPage(_ request: Request, context: StaffRequestContext) async throws -> Response {
        var (size, note) = try await ledger.checkpoint()
        var page: [String: Any] = ["size": size, "publicKey": ledger.publicKey.verifierKey]
        if let witnessing {
            let cosigned = await witnessing.cosigned(note: note, waiting: .milliseconds(500))
            note = cosigned.note
            let statuses = await witnessing.statuses()
            page["witnessing"] =
                [
                    "quorum": witnessing.settings.quorum, "count": statuses.count, "cosignatures": cosigned.cosignatures,
                    "quorumMet": cosigned.cosignatures >= witnessing.settings.quorum,
                    "witnesses": statuses.map { status in
                        var row: [String: Any] = [
                            "name": status.name, "url": status.url, "lag": status.lag, "lagging": status.lag > 0,
                            "size": status.cosignedSize.map(String.init) ?? "none yet",
                            "at": status.cosignedAt.map(LedgerEntry.timestamp) ?? "never",
                        ]
                        if let problem = status.problem { row["problem"] = problem }
                        return row
                    },
                ] as [String: Any]
        }
        page["checkpoint"] = note
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
}
