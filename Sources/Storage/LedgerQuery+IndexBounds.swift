import Ledger

extension LedgerQuery {
    /// The index range this query's cursor and time bounds allow (`highest` inclusive, nil for the log's
    /// end), given a store's `firstIndex(atOrAfter:strictly:)`. Entry times never decrease along the log,
    /// so a time bound is an index bound, and it also bounds the buckets a lookup by case visits.
    package func indexBounds(
        _ firstIndex: (_ time: String, _ strictly: Bool) async throws -> Int
    ) async throws -> (lowest: Int, highest: Int?) {
        var lowest = after.map { $0 + 1 } ?? 0
        if let from { lowest = max(lowest, try await firstIndex(from, false)) }
        guard let to else { return (lowest, nil) }
        return (lowest, try await firstIndex(to, true) - 1)
    }
}
