import Ledger
import PostgresNIO

/// Work done in the PostgreSQL ledger's transaction (in a savepoint of its own), beside the caller's entries.
public struct PostgresLedgerEffect: LedgerEffect {
    let apply: @Sendable (PostgresConnection) async throws -> Void

    public init(_ apply: @escaping @Sendable (PostgresConnection) async throws -> Void) {
        self.apply = apply
    }
}
