/// Why the policy set could not be loaded. Nothing of a failed set takes effect.
public enum PolicyError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    /// Two partners would claim the same certificate.
    case ambiguousCertificate(String, String, String)
    /// Every problem found in the set, each with file, line and column.
    case diagnostics([PolicyDiagnostic])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .ambiguousCertificate(let match, let a, let b): "partners '\(a)' and '\(b)' both claim certificates matching '\(match)'"
        case .diagnostics(let list): list.map(\.description).joined(separator: "\n")
        }
    }

    /// The problems as diagnostics, for reporting in one list.
    public var diagnostics: [PolicyDiagnostic] {
        switch self {
        case .diagnostics(let list): list
        case .unreadable(let path, let reason):
            [PolicyDiagnostic(file: path, line: 1, column: 1, message: reason)]
        case .ambiguousCertificate:
            [PolicyDiagnostic(file: "policies/partners", line: 1, column: 1, message: description)]
        }
    }
}
