import Logging

/// A log line's metadata as it is written: the logger's own, the metadata provider's, the line's, and its
/// error's, each layer's value winning over the layers before it for the same key.
///
/// `forEachInKeyOrder` visits the merged pairs sorted by key from memory on the stack, where merging into
/// a dictionary and sorting it made several heap allocations a line, on every request.
struct MetadataLayers {
    let logger: Logger.Metadata
    let provided: Logger.Metadata
    let event: Logger.Metadata
    let error: Logger.Metadata

    private typealias Pair = (key: String, value: Logger.MetadataValue)

    /// Calls `body` once a key, in ascending key order, with the value of the last layer that has it.
    func forEachInKeyOrder(_ body: (String, Logger.MetadataValue) -> Void) {
        let count = logger.count + provided.count + event.count + error.count
        guard count > 0 else { return }
        withUnsafeTemporaryAllocation(of: Pair.self, capacity: count) { pairs in
            var n = 0
            func add(_ layer: Logger.Metadata) {
                for (key, value) in layer {
                    pairs.initializeElement(at: n, to: (key, value))
                    n += 1
                }
            }
            add(logger)
            add(provided)
            add(event)
            add(error)
            defer { pairs.baseAddress!.deinitialize(count: n) }
            // Insertion sort: a handful of keys, and stable, so the later layer's pair ends up last.
            for i in 1..<n {
                var j = i
                while j > 0 && pairs[j].key < pairs[j - 1].key {
                    pairs.swapAt(j, j - 1)
                    j -= 1
                }
            }
            for i in 0..<n where i == n - 1 || pairs[i + 1].key != pairs[i].key {
                body(pairs[i].key, pairs[i].value)
            }
        }
    }
}
