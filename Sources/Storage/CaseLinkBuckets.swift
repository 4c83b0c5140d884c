/// How both ledger stores group their index of entries by case: by stretch of the log first.
///
/// Entries by case are indexed by (bucket, case, index), a bucket being 4,096 consecutive entries.
/// Appends then write only inside the current bucket's few dozen index pages, which stay cached and
/// are written back once a checkpoint, where an index keyed by case first took a page write at a
/// random place in an index as long as the log for every entry (measured on a 2-million-entry SQLite
/// log: a third of the disclosure path's throughput). A lookup by case seeks once per bucket in range:
/// about 500 seeks for 2 million entries, a millisecond or two.
package enum CaseLinkBuckets {
    package static let shift = 12
}
