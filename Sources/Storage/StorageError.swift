/// Why a storage operation failed. None of the cases carry personal data.
public enum StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    case masterKey(path: String, reason: String)
    /// The case's data key is missing: the case was purged, or the key store is not the one the data was written with.
    case dataKeyMissing(caseID: String)
    /// The sealed case data did not authenticate.
    case corrupt(caseID: String)
    case notFound(caseID: String)
    /// The database could not be written (full disk, locked, read-only).
    case unavailable(reason: String)
    case invalidCursor
    /// The database was migrated by a newer casegate than this one (a downgrade).
    case newerSchema(store: String)
    /// The key database setting does not match where the store keeps its data keys.
    case keyDatabase(reason: String)

    public var description: String {
        switch self {
        case .masterKey(let path, let reason): "master key at \(path): \(reason)"
        case .dataKeyMissing(let id): "no data key for case \(id)"
        case .corrupt(let id): "case \(id) failed authentication: its sealed data or data key is damaged"
        case .notFound(let id): "no case \(id)"
        case .unavailable(let reason): "storage unavailable: \(reason)"
        case .invalidCursor: "the cursor is not one this server issued"
        case .keyDatabase(let reason): "key database: \(reason)"
        case .newerSchema(let store):
            "\(store) was migrated by a newer casegate: this version does not run on it; run the newer version, or restore the backup taken before the upgrade"
        }
    }
}
