/// The Prometheus names of the ledger's metrics, named once for the ledger that records them, the gateway
/// that buckets and describes them, and the load generator that reads them back.
public enum LedgerMetrics {
    /// Entries written by each group commit.
    public static let batchEntries = "casegate_ledger_batch_entries"
    /// Time to make one batch durable.
    public static let commitDuration = "casegate_ledger_commit_duration_seconds"
    /// An append's wait for the writer to take it into a batch.
    public static let queueWait = "casegate_ledger_queue_wait_seconds"
    /// From an append's batch being durable until its caller runs again.
    public static let resumeDelay = "casegate_ledger_resume_delay_seconds"
}
