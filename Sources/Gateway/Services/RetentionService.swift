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
    let logger: Logger

    init(environment: GatewayEnvironment, configuration: GatewayConfiguration, logger: Logger) {
        store = environment.storage.retention
        ledger = environment.ledger
        audit = environment.audit
        json = StrictJSONDecoding(maxBodyBytes: configuration.maxBodyBytes)
        policiesDirectory = URL(fileURLWithPath: configuration.policiesDirectory)
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

    /// Starts a sweep and returns its id once its record exists; the purge goes on in the background.
    func start(dryRun: Bool, actor: LedgerActor) async throws -> String {
        let sweeper = try sweeper()
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
                    onStarted: { signal.yield(true) },
                    onProgress: SweepMetrics.progress
                )
                SweepMetrics.finished(failed: false)
                logger.notice("retention sweep finished", metadata: ["sweep": "\(id)", "state": "\(record.state)"])
            } catch SweepError.alreadyRunning {
                signal.yield(false)
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
