import Ledger

/// How both ledger stores index entries by action: partial indexes that leave disclosures out.
///
/// Disclosures are nearly every entry, and each is written on a partner's request path; the queries that
/// need an index by action look for the rare ones (a partner's notices and acknowledgements, the subject
/// request register). Leaving disclosures out of the two indexes by action takes two of the five B-trees
/// an entry's commit writes off the disclosure path; a query for disclosures reads the log, or a
/// recipient's entries, in index order instead, and nearly every row it reads is one it wants.
package enum LedgerActionIndexes {
    /// The partial indexes' predicate, over `ledger_entries`. Queries name it word for word, so changing it
    /// takes a migration that makes both indexes again.
    package static let predicate = "action <> '\(LedgerAction.disclosure.rawValue)'"

    /// The term a query adds, over the entries' alias, when it asks only for actions the indexes hold:
    /// SQLite uses a partial index only for a query that names its predicate word for word, and
    /// PostgreSQL cannot prove a bound array of actions leaves disclosures out. Nil when `actions` has
    /// disclosures (or is nil): then the indexes cannot answer the query.
    package static func term(for actions: Set<LedgerAction>?, alias: String) -> String? {
        guard let actions, !actions.contains(.disclosure) else { return nil }
        return "\(alias).\(predicate)"
    }
}
