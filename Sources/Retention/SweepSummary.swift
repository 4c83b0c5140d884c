import Foundation

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
