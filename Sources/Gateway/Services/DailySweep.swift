import Foundation
import Ledger
import ServiceLifecycle

/// Runs a sweep every day at a set time (London), when the configuration asks for one.
struct DailySweep: Service {
    let service: RetentionService
    let hour: Int
    let minute: Int

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let wait = Self.secondsUntil(hour: hour, minute: minute, from: Date())
                try? await Task.sleep(for: .seconds(wait))
                guard !Task.isCancelled else { return }
                do {
                    _ = try await service.sweeper().run(
                        dryRun: false,
                        startedBy: LedgerActor(kind: .system, id: "scheduled-sweep"),
                        policyVersion: service.policyVersion,
                        onProgress: SweepMetrics.progress
                    )
                    SweepMetrics.finished(failed: false)
                } catch {
                    SweepMetrics.finished(failed: true)
                    service.logger.error("scheduled retention sweep failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    static func secondsUntil(hour: Int, minute: Int, from now: Date) -> Double {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .london
        let next = calendar.nextDate(after: now, matching: DateComponents(hour: hour, minute: minute, second: 0), matchingPolicy: .nextTime)
        return max(1, (next ?? now.addingTimeInterval(86400)).timeIntervalSince(now))
    }
}
