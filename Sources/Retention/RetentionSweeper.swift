import CaseModel
import Foundation
import Ledger
import SharingPolicy
import Storage

/// Why a sweep could not run.
public enum SweepError: Error, Equatable, Sendable, CustomStringConvertible {
    case alreadyRunning
    case storage(String)
    /// The sweep named to purge as reviewed is not a completed dry run.
    case notReviewable(sweep: String, why: String)
    /// The reviewed dry run no longer describes what a purge would do, or was purged already.
    case reviewOutdated(dryRun: String, why: String)

    public var description: String {
        switch self {
        case .alreadyRunning: "another retention sweep is running; only one may run at a time"
        case .storage(let why): why
        case .notReviewable(let sweep, let why): "sweep \(sweep) cannot be purged as reviewed: \(why)"
        case .reviewOutdated(let dryRun, let why): "dry run \(dryRun) cannot be purged as reviewed: \(why); run a new dry run and review it"
        }
    }
}

/// What the schedule says of one case today.
public struct RetentionDecision: Sendable, Equatable {
    public var rule: String
    public var outcome: RetentionSchedule.Outcome
    /// The last day the case may be kept; it expires the day after.
    public var keepUntil: CalendarDate?
    public var expired: Bool

    public init(rule: String, outcome: RetentionSchedule.Outcome, keepUntil: CalendarDate?, expired: Bool) {
        self.rule = rule
        self.outcome = outcome
        self.keepUntil = keepUntil
        self.expired = expired
    }
}

/// Applies a schedule to one case.
public struct RetentionEvaluator: Sendable {
    public let schedule: RetentionSchedule

    public init(schedule: RetentionSchedule) {
        self.schedule = schedule
    }

    /// The schedule's verdict on a case, or nil when no rule covers it (`policy check` prevents that).
    public func decide(_ c: RetentionCandidate, on day: CalendarDate) -> RetentionDecision? {
        guard let rule = schedule.rule(status: c.status, category: c.category, flags: c.flags, hasPoliceReference: c.hasPoliceReference) else {
            return nil
        }
        let basis: Date? =
            switch rule.after {
            case .closure: c.closedAt
            case .lastActivity: c.updatedAt
            case .receipt: c.receivedAt
            }
        guard let basis else { return RetentionDecision(rule: rule.id, outcome: rule.then, keepUntil: nil, expired: false) }
        let keepUntil = rule.keep.added(to: CalendarDate(basis))
        return RetentionDecision(rule: rule.id, outcome: rule.then, keepUntil: keepUntil, expired: day > keepUntil)
    }
}

/// Runs retention sweeps: finds expired cases by the schedule, skips held
/// ones, and purges in batches (delete, then destroy the data key, then an
/// erasure entry in the ledger). A sweep killed at any point leaves each case
/// fully present or fully purged, and the next sweep finishes the job.
public struct RetentionSweeper: Sendable {
    public let store: any RetentionStore
    public let ledger: Ledger
    public let schedule: RetentionSchedule
    let today: @Sendable () -> CalendarDate

    public init(
        store: any RetentionStore,
        ledger: Ledger,
        schedule: RetentionSchedule,
        today: @escaping @Sendable () -> CalendarDate = { CalendarDate(Date()) }
    ) {
        self.store = store
        self.ledger = ledger
        self.schedule = schedule
        self.today = today
    }

    public static func newSweepID(_ now: Date = Date()) -> String {
        let stamp = LedgerEntry.timestamp(now).filter { $0.isNumber }.prefix(14)
        return "sw-\(stamp)-\(UUID().uuidString.prefix(6).lowercased())"
    }

    /// Runs a sweep. `onStarted` is called once its record is stored; `onProgress` after each batch.
    ///
    /// - Parameters:
    ///   - reviewed: a dry run an admin reviewed; the purge then takes only its cases that are still expired
    ///     and unheld, and refuses if the schedule or the policies changed since it ran.
    ///   - policyVersion: the policy set in force, kept with the sweep so a review can be checked against it.
    ///   - batchSize: the most cases purged in one transaction.
    ///   - batchTime: how long one purge transaction should hold the database's write lock. Disclosures
    ///     wait for that lock to make their ledger entries durable, so batches are resized as they go to
    ///     stay near it; nil keeps every batch at `batchSize` (fastest, for a quiet store).
    @discardableResult
    public func run(
        id: String = RetentionSweeper.newSweepID(),
        dryRun: Bool,
        startedBy: LedgerActor,
        reviewed: ReviewedDryRun? = nil,
        policyVersion: String? = nil,
        batchSize: Int = 5000,
        batchTime: Duration? = .milliseconds(25),
        onStarted: @Sendable () -> Void = {},
        onProgress: @Sendable (SweepProgress) -> Void = { _ in }
    ) async throws -> SweepRecord {
        if let reviewed { try check(reviewed, policyVersion: policyVersion) }
        guard let lease = try await store.acquireSweepLease() else { throw SweepError.alreadyRunning }
        do {
            let record = try await runLeased(
                id: id,
                dryRun: dryRun,
                startedBy: startedBy,
                reviewed: reviewed,
                policyVersion: policyVersion,
                batchSize: batchSize,
                batchTime: batchTime,
                onStarted: onStarted,
                onProgress: onProgress
            )
            await lease.release()
            return record
        } catch {
            await lease.release()
            throw error
        }
    }

    /// The dry run `id` to purge as reviewed: a completed dry run that no purge has carried out, or is
    /// carrying out (one that failed or was interrupted may be retried), made under the schedule and
    /// policies in force.
    public func reviewed(_ id: String, policyVersion: String?) async throws -> ReviewedDryRun {
        guard let record = try await store.sweep(id: id) else { throw SweepError.notReviewable(sweep: id, why: "there is no such sweep") }
        guard let reviewed = ReviewedDryRun(record) else {
            throw SweepError.notReviewable(sweep: id, why: "it is not a completed dry run")
        }
        let purges = try await store.sweeps().filter {
            SweepSummary.decode($0.summary)?.reviewOf == id && !["failed", "interrupted"].contains($0.state)
        }
        if let purge = purges.first {
            throw SweepError.reviewOutdated(dryRun: id, why: "sweep \(purge.id) purged it already (\(purge.state))")
        }
        try check(reviewed, policyVersion: policyVersion)
        return reviewed
    }

    /// Refuses a reviewed dry run made under another schedule or policy set.
    public func check(_ reviewed: ReviewedDryRun, policyVersion: String?) throws {
        if reviewed.scheduleVersion != schedule.version {
            throw SweepError.reviewOutdated(dryRun: reviewed.id, why: "the retention schedule has changed since it ran")
        }
        if reviewed.policyVersion != policyVersion {
            throw SweepError.reviewOutdated(dryRun: reviewed.id, why: "the sharing policies have changed since it ran")
        }
    }

    private func runLeased(
        id: String,
        dryRun: Bool,
        startedBy: LedgerActor,
        reviewed: ReviewedDryRun?,
        policyVersion: String?,
        batchSize: Int,
        batchTime: Duration?,
        onStarted: @Sendable () -> Void,
        onProgress: @Sendable (SweepProgress) -> Void
    ) async throws -> SweepRecord {
        var record = SweepRecord(
            id: id,
            startedAt: Date(),
            finishedAt: nil,
            state: "running",
            dryRun: dryRun,
            scheduleVersion: schedule.version,
            startedBy: startedBy.id,
            summary: nil
        )
        var summary = SweepSummary()
        summary.policyVersion = policyVersion
        summary.reviewOf = reviewed?.id
        try await store.markInterrupted()
        try await store.saveSweep(record)
        onStarted()
        do {
            if !dryRun { summary.resumed = try await finishInterruptedPurges(actor: startedBy, summary: &summary) }
            let day = today()
            var toPurge: [(caseID: String, rule: String, category: String)] = []
            var after: Int64 = 0
            summary.examined = try await store.countCases()
            let cutoffs = cutoffs(on: day)
            while true {
                let (page, last) = try await store.candidates(afterSeq: after, limit: 5000, cutoffs: cutoffs)
                guard let last else { break }
                after = last
                for c in page {
                    guard let decision = RetentionEvaluator(schedule: schedule).decide(c, on: day), decision.expired else { continue }
                    if decision.outcome == .review {
                        summary.dueForReview += 1
                        summary.reviewCaseIDs.append(c.id)
                    } else if c.held {
                        summary.held += 1
                        summary.heldCaseIDs.append(c.id)
                    } else {
                        toPurge.append((c.id, decision.rule, c.category.rawValue))
                    }
                }
            }
            if let reviewed {
                toPurge.removeAll { !reviewed.caseIDs.contains($0.caseID) }
                summary.leftSinceReview = reviewed.caseIDs.count - toPurge.count
            }
            summary.total = toPurge.count
            if dryRun {
                for item in toPurge {
                    count(item, in: &summary)
                    summary.purgedCaseIDs.append(item.caseID)
                    summary.purgeList.append(PurgeItem(caseId: item.caseID, rule: item.rule, category: item.category))
                }
                summary.done = toPurge.count
            } else {
                let started = ContinuousClock.now
                // Batches are bounded so their statements stay under SQLite's limit on bound parameters.
                let largest = min(max(1, batchSize), 5000)
                var size = batchTime == nil ? largest : min(largest, 100)
                var start = 0
                while start < toPurge.count {
                    let end = min(start + size, toPurge.count)
                    let batch = Array(toPurge[start..<end])
                    let purgeStarted = ContinuousClock.now
                    let purged = Set(try await store.purge(batch, sweepID: id))
                    if let batchTime {
                        size = Self.nextBatchSize(size, took: ContinuousClock.now - purgeStarted, target: batchTime, largest: largest)
                    }
                    let done = batch.filter { purged.contains($0.caseID) }
                    try await recordErasures(done.map { ($0.caseID, $0.rule) }, sweepID: id, actor: startedBy, summary: &summary)
                    for item in done { count(item, in: &summary) }
                    start = end
                    summary.done = end
                    record.summary = summary.encoded()
                    try await store.saveSweep(record)
                    onProgress(SweepProgress(done: summary.done, total: summary.total, elapsed: ContinuousClock.now - started))
                }
                try await store.removeResidue()
                if summary.purged > 0 || summary.resumed > 0 { _ = try await ledger.checkpoint() }
            }
            record.state = "completed"
        } catch {
            summary.error = "\(error)"
            record.state = "failed"
            record.finishedAt = Date()
            record.summary = summary.encoded()
            try? await store.saveSweep(record)
            throw error
        }
        record.finishedAt = Date()
        record.summary = summary.encoded()
        try await store.saveSweep(record)
        return record
    }

    /// The next batch's size: scaled towards `target` by the last batch's time, at most doubling or halving.
    static func nextBatchSize(_ size: Int, took: Duration, target: Duration, largest: Int) -> Int {
        let ratio = took > .zero ? target / took : 2
        return min(largest, max(10, Int(Double(size) * min(2, max(0.5, ratio)))))
    }

    /// For each basis, a day before which a case must be to have expired under the shortest rule counting from it.
    /// Generous by two days; the evaluator still decides each case.
    func cutoffs(on day: CalendarDate) -> RetentionCutoffs {
        func cutoff(_ basis: RetentionSchedule.Basis) -> Date? {
            let periods = schedule.rules.filter { $0.after == basis }.map(\.keep)
            guard !periods.isEmpty else { return nil }
            let earliest = periods.map { RetentionSchedule.Period(amount: -$0.amount, unit: $0.unit).added(to: day) }.max()!
            return Date(timeIntervalSince1970: Double(earliest.adding(days: 2).daysSinceEpoch) * 86400)
        }
        return .init(closure: cutoff(.closure), lastActivity: cutoff(.lastActivity), receipt: cutoff(.receipt))
    }

    private func count(_ item: (caseID: String, rule: String, category: String), in summary: inout SweepSummary) {
        summary.purged += 1
        summary.byRule[item.rule, default: 0] += 1
        summary.byCategory[item.category, default: 0] += 1
    }

    /// Erases whole cases on a data subject's request, as a sweep purges them: rows, party index and
    /// tombstones in one transaction (a case under a legal hold is left), data keys destroyed, then one
    /// `erasure` entry per case (rule `erasure-request`) with `erased` notices to its recipients. A crash part
    /// way is finished by the next sweep, as for its own purges. Returns the ids erased.
    public func erase(_ cases: [(caseID: String, category: String)], request: String, actor: LedgerActor) async throws -> [String] {
        let rule = "erasure-request"
        let purged = try await store.purge(cases.map { ($0.caseID, rule, $0.category) }, sweepID: request)
        try await store.destroyKeys(purged)
        var summary = SweepSummary()
        try await recordErasures(purged.map { ($0, rule) }, sweepID: request, actor: actor, summary: &summary)
        return purged
    }

    /// One erasure entry per purged case, with metadata only, and in the same append an `erased` notification
    /// to every partner and purpose the ledger shows received the case (UK GDPR Art 19).
    private func recordErasures(_ cases: [(String, String)], sweepID: String, actor: LedgerActor, summary: inout SweepSummary) async throws {
        guard !cases.isEmpty else { return }
        var drafts = cases.map { id, rule in
            LedgerDraft(
                actor: actor,
                action: .erasure,
                caseIDs: [id],
                requestID: sweepID,
                details: ["rule": rule, "schedule_version": schedule.version, "sweep_id": sweepID]
            )
        }
        drafts += try await erasureNotices(cases.map(\.0), actor: actor, sweepID: sweepID)
        let receipts = try await ledger.append(drafts).prefix(cases.count)
        try await store.recordErasureEntries(Dictionary(uniqueKeysWithValues: zip(cases.map(\.0), receipts.map(\.index))))
        summary.firstLedgerIndex = summary.firstLedgerIndex ?? receipts.first?.index
        summary.lastLedgerIndex = receipts.last?.index ?? summary.lastLedgerIndex
    }

    /// `erased` notices: one per case, partner and purpose with a disclosure in the ledger.
    private func erasureNotices(_ caseIDs: [String], actor: LedgerActor, sweepID: String) async throws -> [LedgerDraft] {
        let received = try await ledger.store.receipts(of: caseIDs).byCase
        return received.keys.sorted().flatMap { id in
            received[id]!.sorted().map { recipient in
                LedgerDraft(
                    actor: actor,
                    recipient: recipient.partner,
                    action: .notification,
                    caseIDs: [id],
                    purpose: recipient.purpose,
                    requestID: sweepID,
                    details: ["kind": "erased"]
                )
            }
        }
    }

    /// Completes purges an interrupted sweep committed but did not finish: destroys leftover keys and writes missing erasure entries.
    private func finishInterruptedPurges(actor: LedgerActor, summary: inout SweepSummary) async throws -> Int {
        let unfinished = try await store.unfinishedTombstones()
        guard !unfinished.isEmpty else { return 0 }
        try await store.destroyKeys(unfinished.filter { !$0.keyDestroyed }.map(\.caseID))
        var missing = unfinished.filter { $0.ledgerIndex == nil }
        // A sweep killed between its ledger append and noting it on the tombstones already has entries: find them, do not repeat them.
        if !missing.isEmpty {
            let written = try await ledger.store.query(
                LedgerQuery(caseIDs: missing.map(\.caseID), actions: [.erasure], limit: missing.count * 2 + 10)
            )
            var found: [String: Int] = [:]
            for stored in written {
                for id in (try? stored.decoded().caseIDs) ?? [] { found[id] = stored.index }
            }
            try await store.recordErasureEntries(found)
            missing.removeAll { found[$0.caseID] != nil }
        }
        for (sweepID, group) in Dictionary(grouping: missing, by: \.sweepID) {
            try await recordErasures(group.map { ($0.caseID, $0.rule) }, sweepID: sweepID, actor: actor, summary: &summary)
        }
        return unfinished.count
    }
}
