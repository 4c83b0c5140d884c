import CaseModel
import Foundation
import Hummingbird
import Ledger
import Logging
import Metrics
import Retention
import ServiceLifecycle
import SharingPolicy
import Storage

/// Starts sweeps in the background, one at a time, and runs the daily one when configured.
public final class RetentionService: Sendable {
    let store: any RetentionStore
    let ledger: Ledger
    let audit: Audit
    let json: StrictJSONDecoding
    let policiesDirectory: URL
    let policies: PolicyStore
    let logger: Logger

    init(environment: GatewayEnvironment, configuration: GatewayConfiguration, logger: Logger) {
        store = environment.storage.retention
        ledger = environment.ledger
        audit = environment.audit
        json = StrictJSONDecoding(maxBodyBytes: configuration.maxBodyBytes)
        policiesDirectory = URL(fileURLWithPath: configuration.policiesDirectory)
        policies = environment.policies
        self.logger = logger
    }

    func sweeper() throws -> RetentionSweeper {
        let schedule: RetentionSchedule
        do {
            schedule = try RetentionSchedule.load(file: policiesDirectory.appendingPathComponent("retention.yaml"))
        } catch {
            throw Problem(
                .unprocessableContent,
                type: "invalid-policy",
                detail: "the retention schedule is invalid; no sweep was started",
                errors: error.diagnostics.map(\.description)
            )
        }
        return RetentionSweeper(store: store, ledger: ledger, schedule: schedule)
    }

    /// The policy set version a sweep records, so a purge of a reviewed dry run can see a change since.
    var policyVersion: String { policies.current.version }

    /// Starts a sweep and returns its id once its record exists; the purge goes on in the background.
    /// With `reviewOf`, a purge of that reviewed dry run; refused at once if it no longer holds.
    func start(dryRun: Bool, reviewOf: String? = nil, actor: LedgerActor) async throws -> String {
        let sweeper = try sweeper()
        let policyVersion = self.policyVersion
        var reviewed: ReviewedDryRun?
        if let reviewOf {
            guard !dryRun else { throw Problem.unprocessable("'review_of' names a dry run to purge; 'dry_run' must be false with it") }
            do {
                reviewed = try await sweeper.reviewed(reviewOf, policyVersion: policyVersion)
            } catch let error as SweepError {
                if case .notReviewable = error { throw Problem.unprocessable(error.description) }
                throw Problem(.conflict, type: "review-outdated", detail: error.description)
            }
        }
        let id = RetentionSweeper.newSweepID()
        // true once the sweep's record exists (so a GET straight after finds it), false if another sweep holds the lock.
        let (started, signal) = AsyncStream.makeStream(of: Bool.self)
        let logger = self.logger
        Task {
            do {
                let record = try await sweeper.run(
                    id: id,
                    dryRun: dryRun,
                    startedBy: actor,
                    reviewed: reviewed,
                    policyVersion: policyVersion,
                    onStarted: { signal.yield(true) },
                    onProgress: SweepMetrics.progress
                )
                SweepMetrics.finished(failed: false)
                logger.notice("retention sweep finished", metadata: ["sweep": "\(id)", "state": "\(record.state)"])
            } catch SweepError.alreadyRunning {
                signal.yield(false)
            } catch let error as SweepError {
                signal.yield(false)
                logger.error("retention sweep refused", metadata: ["sweep": "\(id)", "error": "\(error)"])
            } catch {
                SweepMetrics.finished(failed: true)
                logger.error("retention sweep failed", metadata: ["sweep": "\(id)", "error.type": "\(type(of: error))"])
            }
            signal.finish()
        }
        var iterator = started.makeAsyncIterator()
        guard await iterator.next() == true else {
            throw Problem(.conflict, type: "sweep-running", detail: SweepError.alreadyRunning.description)
        }
        return id
    }
}

/// A sweep's progress and outcome as metrics: cases purged of the sweep's total, and sweeps by result.
enum SweepMetrics {
    static func progress(_ progress: SweepProgress) {
        Gauge(label: "casegate_retention_sweep_cases", dimensions: [("state", "done")]).record(progress.done)
        Gauge(label: "casegate_retention_sweep_cases", dimensions: [("state", "total")]).record(progress.total)
    }

    static func finished(failed: Bool) {
        Counter(label: "casegate_retention_sweeps_total", dimensions: [("result", failed ? "failed" : "finished")]).increment()
    }
}
