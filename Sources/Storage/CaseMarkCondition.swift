import Ledger

/// A condition on a ledger entry: the case store's change mark (`CaseStore.changeMark`) is still `mark`
/// when the entry commits. A view built from cases read under that mark is then exactly what the store
/// holds at the moment its disclosure is recorded, with no read of the mark on the request's own path.
///
/// Stores check every condition in a batch with one read of the mark, inside the ledger's transaction
/// and after the batch's other effects, so a change committed by anyone before, or made in the same
/// batch, fails it. A caller whose condition fails gets `CaseChangedSinceView` and no entry is written.
public struct CaseMarkCondition: LedgerEffect, Equatable {
    public let mark: Int64

    public init(mark: Int64) {
        self.mark = mark
    }

    /// How every store reads the mark (the "v7-case-changes" and "v3-case-changes" migrations make the table).
    package static let readSQL = "SELECT mark FROM case_changes WHERE id = 1"

    /// The callers in a batch whose condition does not hold against `current`, the mark read in the transaction.
    package static func failing(_ effects: [(any LedgerEffect)?], current: Int64?) -> [Int: any Error] {
        var failures: [Int: any Error] = [:]
        for (position, effect) in effects.enumerated() {
            if let condition = effect as? CaseMarkCondition, condition.mark != current { failures[position] = CaseChangedSinceView() }
        }
        return failures
    }

    /// Whether any caller in the batch has a condition (only then is the mark read).
    package static func any(in effects: [(any LedgerEffect)?]) -> Bool {
        effects.contains { $0 is CaseMarkCondition }
    }
}

/// A case changed after the view was built: nothing was recorded or disclosed; build the view afresh.
public struct CaseChangedSinceView: Error, Equatable, CustomStringConvertible {
    public init() {}

    public var description: String { "a case changed after the view was built; nothing was recorded" }
}
