import CaseModel
import Foundation
import Ledger

/// What retention needs to know of a case, all from clear columns.
public struct RetentionCandidate: Sendable, Equatable {
    public var id: String
    public var category: Category
    public var status: CaseStatus
    public var flags: Set<String>
    public var hasPoliceReference: Bool
    public var receivedAt: Date
    public var closedAt: Date?
    public var updatedAt: Date
    public var held: Bool

    public init(
        id: String,
        category: Category,
        status: CaseStatus,
        flags: Set<String>,
        hasPoliceReference: Bool,
        receivedAt: Date,
        closedAt: Date?,
        updatedAt: Date,
        held: Bool
    ) {
        self.id = id
        self.category = category
        self.status = status
        self.flags = flags
        self.hasPoliceReference = hasPoliceReference
        self.receivedAt = receivedAt
        self.closedAt = closedAt
        self.updatedAt = updatedAt
        self.held = held
    }
}

/// A legal hold: the case is never purged while it stands.
public struct LegalHold: Sendable, Equatable, Codable {
    public var caseID: String
    public var reason: String
    public var placedBy: String
    public var placedAt: Date

    public init(caseID: String, reason: String, placedBy: String, placedAt: Date) {
        self.caseID = caseID
        self.reason = reason
        self.placedBy = placedBy
        self.placedAt = placedAt
    }
}

/// A sweep's record, as the admin API and the purge certificate show it.
public struct SweepRecord: Sendable, Codable, Equatable {
    public var id: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var state: String
    public var dryRun: Bool
    public var scheduleVersion: String
    public var startedBy: String
    /// JSON summary: counts by rule and category, progress, ledger range.
    public var summary: Data?

    public init(
        id: String,
        startedAt: Date,
        finishedAt: Date?,
        state: String,
        dryRun: Bool,
        scheduleVersion: String,
        startedBy: String,
        summary: Data?
    ) {
        self.id = id
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.state = state
        self.dryRun = dryRun
        self.scheduleVersion = scheduleVersion
        self.startedBy = startedBy
        self.summary = summary
    }
}

/// A purged case's tombstone: no personal data, just what the purge certificate needs.
public struct Tombstone: Sendable, Equatable {
    public var caseID: String
    public var sweepID: String
    public var rule: String
    public var category: String
    public var keyDestroyed: Bool
    public var ledgerIndex: Int?

    public init(caseID: String, sweepID: String, rule: String, category: String, keyDestroyed: Bool, ledgerIndex: Int?) {
        self.caseID = caseID
        self.sweepID = sweepID
        self.rule = rule
        self.category = category
        self.keyDestroyed = keyDestroyed
        self.ledgerIndex = ledgerIndex
    }
}

/// Dates before which a case could have expired, per basis; nil for a basis no rule counts from.
public struct RetentionCutoffs: Sendable {
    public var closure: Date?
    public var lastActivity: Date?
    public var receipt: Date?

    public init(closure: Date?, lastActivity: Date?, receipt: Date?) {
        self.closure = closure
        self.lastActivity = lastActivity
        self.receipt = receipt
    }
}

/// Held while a sweep runs: at most one sweep at a time across every process
/// sharing the store. Released when dropped, or by the store if the holder dies.
public protocol SweepLease: Sendable {
    func release() async
}

/// What retention sweeps and legal holds need of a store.
public protocol RetentionStore: Sendable {
    /// The sweep lease, or nil when another sweep holds it.
    func acquireSweepLease() async throws -> (any SweepLease)?
    func countCases() async throws -> Int
    /// A page of cases in recording order, with their hold state. With `cutoffs`, only cases old enough
    /// that some rule could have expired them, so the store skips the rest without Swift decoding them.
    func candidates(afterSeq: Int64, limit: Int, cutoffs: RetentionCutoffs?) async throws -> (candidates: [RetentionCandidate], lastSeq: Int64?)
    /// Purges a batch in one transaction (cases, party index rows, tombstones; a hold placed since evaluation
    /// still wins), then destroys the data keys. Returns the ids actually purged.
    func purge(_ items: [(caseID: String, rule: String, category: String)], sweepID: String) async throws -> [String]
    /// Destroys keys of purged cases and records it on their tombstones.
    func destroyKeys(_ caseIDs: [String]) async throws
    /// Notes each tombstone's erasure entry; the case's key is gone by then, so it is marked destroyed too.
    func recordErasureEntries(_ indices: [String: Int]) async throws
    /// Tombstones a killed sweep left unfinished: keys not yet destroyed, or no erasure entry yet.
    func unfinishedTombstones() async throws -> [Tombstone]
    func tombstones(sweepID: String) async throws -> [Tombstone]
    /// Places a hold; false if one was already in place. Throws `notFound` for an unknown case.
    func placeHold(caseID: String, reason: String, by user: String) async throws -> Bool
    func liftHold(caseID: String) async throws -> Bool
    /// Places a hold and writes its ledger entry in one transaction; false, and no entry, if the case was already held.
    func placeHold(caseID: String, reason: String, by user: String, recordedBy draft: LedgerDraft, in ledger: Ledger) async throws -> Bool
    /// Lifts a hold and writes its ledger entry in one transaction; false, and no entry, if there was none.
    func liftHold(caseID: String, recordedBy draft: LedgerDraft, in ledger: Ledger) async throws -> Bool
    func holds() async throws -> [LegalHold]
    func saveSweep(_ sweep: SweepRecord) async throws
    func sweep(id: String) async throws -> SweepRecord?
    /// Newest first.
    func sweeps() async throws -> [SweepRecord]
    /// Marks sweeps left `running` by a process that died; called only with the sweep lease held.
    func markInterrupted() async throws
    /// After a purge: removes what the store itself keeps of deleted rows (SQLite's WAL; PostgreSQL's dead tuples).
    func removeResidue() async throws
}

/// Thrown inside a hold's ledger effect when there is nothing to change, so no entry is written.
public struct HoldUnchanged: Error {
    public init() {}
}

extension Ledger {
    /// Runs a hold change with its entry: true if it changed something (and was recorded), false if there was nothing to change.
    public func recordHoldChange(_ draft: LedgerDraft, effect: any LedgerEffect) async throws -> Bool {
        do {
            _ = try await append([draft], effect: effect)
            return true
        } catch is HoldUnchanged {
            return false
        }
    }
}
