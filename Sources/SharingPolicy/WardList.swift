import Foundation

/// The council's wards: `policies/wards.txt`, one name a line (`#` starts a comment). A case's ward must be
/// one of them, and a policy may filter only on wards on the list, so a misspelt ward neither hides a
/// case from a partner nor admits one. Without the file, wards are not checked.
public struct WardList: Sendable, Equatable {
    public static let fileName = "wards.txt"

    /// In the file's order.
    public let names: [String]
    private let known: Set<String>

    public init(names: [String]) {
        self.names = names
        self.known = Set(names)
    }

    public func contains(_ ward: String) -> Bool { known.contains(ward) }

    /// "; did you mean 'X'?" for the nearest ward, compared without regard to case, or "".
    public func suggestion(for ward: String) -> String {
        if let exact = names.first(where: { $0.caseInsensitiveCompare(ward) == .orderedSame }) { return "; did you mean '\(exact)'?" }
        return SharingPolicy.suggestion(for: ward, among: names)
    }

    /// Reads the list; nil when the directory has none. Duplicates and blank names are errors with their line.
    public static func load(directory: URL, display: (URL) -> String) throws(PolicyError) -> WardList? {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw .diagnostics([PolicyDiagnostic(file: display(url), line: 1, column: 1, message: "cannot be read as UTF-8 text")])
        }
        return try parse(text: text, file: display(url))
    }

    public static func parse(text: String, file: String) throws(PolicyError) -> WardList {
        var names: [String] = []
        var lines: [String: Int] = [:]
        var problems: [PolicyDiagnostic] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let name = String(raw.prefix { $0 != "#" }).trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { continue }
            if let first = lines[name] {
                problems.append(PolicyDiagnostic(file: file, line: index + 1, column: 1, message: "'\(name)' is listed already, on line \(first)"))
                continue
            }
            lines[name] = index + 1
            names.append(name)
        }
        if names.isEmpty { problems.append(PolicyDiagnostic(file: file, line: 1, column: 1, message: "no wards listed")) }
        if !problems.isEmpty { throw .diagnostics(problems) }
        return WardList(names: names)
    }
}
