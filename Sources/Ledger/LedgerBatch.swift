import ByteEncoding

/// A condition a store checks inside the append's transaction, after the batch's effects: the caller's
/// entries are written only if it holds.
public enum AppendPrecondition: Sendable, Equatable {
    /// The case store's change mark (`CaseStore.changeMark`) still has this value.
    case changeMark(Int64)
}

/// What `Ledger.append(_:precondition:)` did.
public enum LedgerAppendOutcome: Sendable, Equatable {
    /// The entries are durable; here are their receipts.
    case recorded([LedgerReceipt])
    /// The precondition did not hold when the batch committed: nothing was written.
    case notRecorded(AppendPrecondition)
}

/// Why a caller's entries in a batch were not written.
public enum LedgerBatchFailure: Sendable {
    /// The caller's effect threw (a rule, a missing row, a constraint): undone alone.
    case effect(any Error)
    /// The caller's precondition did not hold.
    case precondition(AppendPrecondition)
}

/// One batch append, as every store runs it under its write lock in one transaction. The algorithm is
/// here once; a store supplies only its reads and writes, in this order:
///
/// 1. `found(size:lastTime:newLeafHashes:)`: the head as the lock holder sees it;
/// 2. `effects(of:)`: each caller's effect, run by the store in a savepoint of its own, a throw reported
///    with `effectFailed(at:_:)` (a failure of the database itself fails the whole batch instead);
/// 3. `changeMarkNeeded`, then `checkPreconditions(changeMark:)`: last, so a change made by an effect in
///    this batch counts;
/// 4. `rows()`: the entries to insert, indices from the head on, callers that failed left out;
/// 5. the store inserts them (`LedgerRow.parts` and `caseLinks` say how) and commits.
///
/// A store whose every statement is a round trip may instead start from the head this process knows
/// (`assumingKnownHead()`), build the rows first, and write them in one step that checks the head (and
/// the change mark) under the lock; when the check fails it writes nothing and runs the steps above.
public struct LedgerBatch: Sendable {
    public let knownSize: Int
    /// The time of entry `knownSize - 1` as this process last wrote or read it; nil when it does not know.
    public let knownLastTime: String?
    let effects: [(any LedgerEffect)?]
    let preconditions: [AppendPrecondition?]
    let build: @Sendable (LedgerHead, _ failed: Set<Int>) throws -> [LedgerRow]
    public private(set) var head = LedgerHead(size: 0, newLeafHashes: [], lastTime: nil)
    public private(set) var failures: [Int: LedgerBatchFailure] = [:]

    public init(
        knownSize: Int,
        knownLastTime: String? = nil,
        effects: [(any LedgerEffect)?],
        preconditions: [AppendPrecondition?],
        build: @escaping @Sendable (LedgerHead, _ failed: Set<Int>) throws -> [LedgerRow]
    ) {
        self.knownSize = knownSize
        self.knownLastTime = knownLastTime
        self.effects = effects
        self.preconditions = preconditions
        self.build = build
    }

    /// Step 1. `newLeafHashes(from:)` is read only when other writers have appended since `knownSize`.
    /// A log shorter than this process has seen means entries were removed: the batch fails.
    public mutating func found(size: Int, lastTime: String?, newLeafHashes: (_ from: Int) throws -> [[UInt8]]) throws {
        guard size >= knownSize else { throw LedgerStoreError.behind(stored: size, known: knownSize) }
        head = LedgerHead(size: size, newLeafHashes: size > knownSize ? try newLeafHashes(knownSize) : [], lastTime: lastTime)
    }

    /// The async form of step 1, for stores whose reads suspend.
    public mutating func found(size: Int, lastTime: String?, newLeafHashes: (_ from: Int) async throws -> [[UInt8]]) async throws {
        guard size >= knownSize else { throw LedgerStoreError.behind(stored: size, known: knownSize) }
        head = LedgerHead(size: size, newLeafHashes: size > knownSize ? try await newLeafHashes(knownSize) : [], lastTime: lastTime)
    }

    /// Step 2: the effects this store runs, by position. An effect of another store's kind fails its caller.
    public mutating func effects<Effect: LedgerEffect>(of kind: Effect.Type) -> [(position: Int, effect: Effect)] {
        var runnable: [(position: Int, effect: Effect)] = []
        for (position, effect) in effects.enumerated() {
            guard let effect else { continue }
            if let mine = effect as? Effect {
                runnable.append((position, mine))
            } else {
                failures[position] = .effect(LedgerEffectError.unsupported("\(type(of: effect))"))
            }
        }
        return runnable
    }

    public mutating func effectFailed(at position: Int, _ error: any Error) {
        failures[position] = .effect(error)
    }

    /// Step 3: whether any caller has a change-mark precondition (only then does the store read the mark).
    public var changeMarkNeeded: Bool {
        preconditions.contains { if case .changeMark = $0 { true } else { false } }
    }

    /// Step 3: `changeMark` is the mark read in the transaction after the effects.
    public mutating func checkPreconditions(changeMark: Int64?) {
        for (position, precondition) in preconditions.enumerated() where failures[position] == nil {
            switch precondition {
            case .changeMark(let mark) where mark != changeMark: failures[position] = .precondition(.changeMark(mark))
            case .changeMark, nil: break
            }
        }
    }

    /// The batch as it would be written if the log still ends where this process last saw it (its
    /// `head`), with the change mark every precondition names (nil when none has one): what a one-step
    /// write must find under the lock. Nil when the batch cannot be written that way: an effect must run
    /// under the lock first, the last entry's time is not known, or preconditions name different marks.
    public func assumingKnownHead() -> (batch: LedgerBatch, changeMark: Int64?)? {
        guard effects.allSatisfy({ $0 == nil }), knownSize == 0 || knownLastTime != nil else { return nil }
        let marks = Set(
            preconditions.compactMap { precondition -> Int64? in
                switch precondition {
                case .changeMark(let mark): mark
                case nil: nil
                }
            }
        )
        guard marks.count <= 1 else { return nil }
        var assumed = self
        assumed.head = LedgerHead(size: knownSize, newLeafHashes: [], lastTime: knownLastTime)
        return (assumed, marks.first)
    }

    /// Step 4: the rows to insert at `head.size...`.
    public func rows() throws -> [LedgerRow] {
        try build(head, Set(failures.keys))
    }
}

/// Failures of the log itself that every store reports alike.
public enum LedgerStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The stored log is shorter than this process has seen: entries were removed.
    case behind(stored: Int, known: Int)

    public var description: String {
        switch self {
        case .behind(let stored, let known): "the stored ledger has \(stored) entries but this process has seen \(known): entries were removed"
        }
    }
}

extension LedgerRow {
    /// The row's field list and the bytes around it, when the list is long enough for a store to keep it
    /// once (`ledger_field_lists`) and the entry without it. Both stores split by this rule.
    public var parts: (list: ByteKey, at: Int, before: ArraySlice<UInt8>, after: ArraySlice<UInt8>)? {
        guard let (list, range) = fields, range.count >= LedgerRow.inlineFieldListsBelow else { return nil }
        let bytes = stored.bytes
        return (list, range.lowerBound, bytes[..<range.lowerBound], bytes[range.upperBound...])
    }

    /// Lists shorter than this stay inline: a reference would save nothing.
    public static let inlineFieldListsBelow = 64

    /// The distinct cases the entry names: one row each in the store's index by case.
    public var caseLinks: [String] {
        entry.caseIDs.count == 1 ? entry.caseIDs : Array(Set(entry.caseIDs))
    }
}
