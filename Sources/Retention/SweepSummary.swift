import Foundation
import Storage

/// What a sweep found and did. Stored with the sweep; the purge certificate is printed from it.
public struct SweepSummary: Codable, Sendable, Equatable {
    /// Cases examined.
    public var examined = 0
    /// Expired cases to purge (dry run) or purged.
    public var purged = 0
    /// Expired cases under legal hold, left alone.
    public var held = 0
    /// Cases whose rule says review, now due.
    public var dueForReview = 0
    public var byRule: [String: Int] = [:]
    public var byCategory: [String: Int] = [:]
    /// A dry run's list of what it would purge; a real sweep's purged cases are its tombstones (`retention report`).
    public var purgedCaseIDs: [String] = []
    /// A dry run's cases with the rule that expired each, for its review.
    public var purgeList: [PurgeItem] = []
    public var reviewCaseIDs: [String] = []
    public var heldCaseIDs: [String] = []
    /// Progress through the purge.
    public var done = 0
    public var total = 0
    /// The ledger entries recording this sweep's erasures.
    public var firstLedgerIndex: Int?
    public var lastLedgerIndex: Int?
    /// Unfinished purges of an earlier, interrupted sweep completed by this one.
    public var resumed = 0
    public var error: String?
    /// The policy set in force when the sweep ran; a purge of a reviewed dry run needs it unchanged.
    public var policyVersion: String?
    /// The dry run this purge carried out, when it was started from a review.
    public var reviewOf: String?
    /// Cases of the reviewed dry run no longer purged: held, amended out of expiry, or gone since.
    public var leftSinceReview = 0

    public init() {}

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }

    public static func decode(_ data: Data?) -> SweepSummary? {
        guard let data else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(SweepSummary.self, from: data)
    }
}

/// One case a dry run would purge, and why.
public struct PurgeItem: Codable, Sendable, Equatable {
    public var caseId: String
    public var rule: String
    public var category: String

    public init(caseId: String, rule: String, category: String) {
        self.caseId = caseId
        self.rule = rule
        self.category = category
    }
}

/// A dry run an admin reviewed, to purge as reviewed: only its cases, and only if neither the schedule nor
/// the policies changed since.
public struct ReviewedDryRun: Sendable, Equatable {
    public var id: String
    public var caseIDs: Set<String>
    public var scheduleVersion: String
    public var policyVersion: String?

    public init(id: String, caseIDs: Set<String>, scheduleVersion: String, policyVersion: String?) {
        self.id = id
        self.caseIDs = caseIDs
        self.scheduleVersion = scheduleVersion
        self.policyVersion = policyVersion
    }

    /// The dry run of `record`; nil when it is not a completed dry run.
    public init?(_ record: SweepRecord) {
        guard record.dryRun, record.state == "completed", let summary = SweepSummary.decode(record.summary) else { return nil }
        self.init(id: record.id, caseIDs: Set(summary.purgedCaseIDs), scheduleVersion: record.scheduleVersion, policyVersion: summary.policyVersion)
    }
}

/// Progress of a purge, for bars and log lines.
public struct SweepProgress: Sendable {
    public var done: Int
    public var total: Int
    public var elapsed: Duration

    public var rate: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(done) / seconds : 0
    }

    public var eta: Duration? {
        guard rate > 0 else { return nil }
        return .seconds(Double(total - done) / rate)
    }
}
