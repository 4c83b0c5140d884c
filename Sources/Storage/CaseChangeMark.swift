/// The case store's change mark: one number in `case_changes` that triggers on `cases` move in the same
/// transaction as any update or deletion, whoever makes it ("v7-case-changes" in SQLite,
/// "v3-case-changes" in PostgreSQL). Ledger stores read it for `AppendPrecondition.changeMark`.
package enum CaseChangeMark {
    /// How every store reads the mark.
    package static let readSQL = "SELECT mark FROM case_changes WHERE id = 1"
}
