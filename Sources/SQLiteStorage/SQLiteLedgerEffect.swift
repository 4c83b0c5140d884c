import GRDB
import Ledger
import Storage

/// Work done in the SQLite ledger's write transaction, beside the caller's entries.
public struct SQLiteLedgerEffect: LedgerEffect {
    let apply: @Sendable (Database) throws -> Void

    public init(_ apply: @escaping @Sendable (Database) throws -> Void) {
        self.apply = apply
    }
}
