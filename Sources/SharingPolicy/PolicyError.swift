/// Why the policy set could not be loaded.
public enum PolicyError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)
    /// Two partners would claim the same certificate.
    case ambiguousCertificate(String, String, String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .invalid(let path, let reason): "\(path): \(reason)"
        case .ambiguousCertificate(let match, let a, let b): "partners '\(a)' and '\(b)' both claim certificates matching '\(match)'"
        }
    }
}
