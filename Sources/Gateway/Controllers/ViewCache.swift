import CaseModel
import Foundation
import Ledger
import NIOCore
import Redaction
import Synchronization

/// Partner views already built, so a partner polling the same cases is answered without reading,
/// decrypting and redacting them again.
///
/// An entry is only as good as the store state and the day it was built from. Each is kept with the
/// store's change mark (a number that moves whenever any case changes or goes, in any process) read
/// *before* the case, and the day. The cache serves entries of its newest mark and today only, and the
/// disclosure of one is recorded on condition that the mark still holds when its ledger entry commits
/// (the `AppendPrecondition.changeMark` that `latest` hands out with the entry); if it does not, nothing is recorded and the view is built afresh. A newer mark
/// or a later day empties the cache. Views are keyed by policy version, partner, purpose and case, so a
/// policy reload, another partner or another purpose never sees one. What is held is only what was
/// disclosed, within `capacity` bytes, oldest out first, and never written anywhere.
public final class ViewCache: Sendable {
    /// One partner's view of one case as a response body (shared by every response that sends it, never
    /// copied), with its SHA-256 (the ledger records it) made once.
    public struct Entry: Sendable {
        public let body: ByteBuffer
        public let sha256: String

        public init(body: ByteBuffer, sha256: String) {
            self.body = body
            self.sha256 = sha256
        }

        /// What an entry costs against the capacity: its bytes, its hash and the bookkeeping around them.
        var cost: Int { body.readableBytes + sha256.utf8.count + 160 }
    }

    public struct Key: Hashable, Sendable {
        let policyVersion: String
        let partner: String
        let purpose: String
        let caseID: UUID

        public init(policyVersion: String, partner: String, purpose: String, caseID: UUID) {
            self.policyVersion = policyVersion
            self.partner = partner
            self.purpose = purpose
            self.caseID = caseID
        }

        public init(_ policy: CompiledPolicy, caseID: UUID) {
            self.init(policyVersion: policy.policyVersion, partner: policy.partner.id, purpose: policy.purpose.id, caseID: caseID)
        }
    }

    private struct State {
        var mark: Int64 = .min
        var day: CalendarDate?
        var entries: [Key: Entry] = [:]
        /// Keys in the order they went in, from `head`: the next to go when the cache is full.
        var order: [Key] = []
        var head = 0
        var cost = 0

        mutating func empty(mark: Int64, day: CalendarDate) {
            self.mark = mark
            self.day = day
            entries.removeAll()
            order.removeAll()
            head = 0
            cost = 0
        }
    }

    /// The most bytes held; 0 holds nothing.
    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// The entry for `key` built today, and the condition its disclosure must be recorded under: that the
    /// store's change mark is still the one it was built under (the cache's newest).
    public func latest(_ key: Key, day: CalendarDate) -> (entry: Entry, precondition: AppendPrecondition)? {
        guard capacity > 0 else { return nil }
        return state.withLock { state in
            guard state.day == day, let entry = state.entries[key] else { return nil }
            return (entry, .changeMark(state.mark))
        }
    }

    /// Keeps `entry`, built from a case read after `mark` was. A newer mark than the cache's, or a later
    /// day, empties it first (everything in it may be out of date); an older mark or an earlier day keeps
    /// nothing, since the cache has moved on since that read.
    public func store(_ entry: Entry, for key: Key, mark: Int64, day: CalendarDate) {
        guard capacity > 0 else { return }
        let cost = entry.cost
        state.withLock { state in
            // Marks and days only move forward: a request that read them a moment earlier does not empty the cache again.
            if mark > state.mark || (mark == state.mark && state.day.map { day > $0 } ?? true) { state.empty(mark: mark, day: day) }
            guard mark == state.mark, day == state.day, cost <= capacity, state.entries[key] == nil else { return }
            while state.cost + cost > capacity, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if let gone = state.entries.removeValue(forKey: oldest) { state.cost -= gone.cost }
            }
            // Keys already evicted are dropped from the front now and then, not one at a time.
            if state.head > 1024 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            state.entries[key] = entry
            state.order.append(key)
            state.cost += cost
        }
    }

    /// Entries held and the bytes they count for.
    public var usage: (entries: Int, cost: Int) {
        state.withLock { ($0.entries.count, $0.cost) }
    }
}
