import ByteEncoding
import Crypto
import Foundation

/// Every partner policy, loaded and validated together. A set either loads
/// whole or not at all, so a reload never leaves half a set in force.
public struct PolicySet: Sendable {
    public let policies: [PartnerPolicy]
    public let directory: PartnerDirectory
    /// "sha256:" and the hex SHA-256 of the set's canonical JSON form (the partner policies).
    public let version: String
    /// Certificates refused although within their dates.
    public let revocations: RevocationList
    /// The council's wards (`policies/wards.txt`); nil when the directory lists none.
    public let wards: WardList?

    public init(policies: [PartnerPolicy], revocations: RevocationList = .none, wards: WardList? = nil) throws(PolicyError) {
        self.revocations = revocations
        self.wards = wards
        let sorted = policies.sorted { $0.partner.id < $1.partner.id }
        var seen: [String: String] = [:]
        var problems: [PolicyDiagnostic] = []
        for policy in sorted {
            if let other = seen[policy.partner.id] {
                problems.append(
                    PolicyDiagnostic(file: policy.file, line: 1, column: 1, message: "partner '\(policy.partner.id)' is also defined in \(other)")
                )
            }
            seen[policy.partner.id] = policy.file
        }
        if !problems.isEmpty { throw .diagnostics(problems) }
        self.policies = sorted
        self.directory = try PartnerDirectory(partners: sorted.map(\.partner))
        self.version = Self.version(of: sorted)
    }

    public func policy(for partnerID: String) -> PartnerPolicy? {
        policies.first { $0.partner.id == partnerID }
    }

    /// Reads and validates every `*.yaml` under `directory/partners`, reporting all problems at once.
    public static func load(directory: URL) throws(PolicyError) -> PolicySet {
        let partnersDirectory = directory.appendingPathComponent("partners")
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: partnersDirectory.path)
        } catch {
            throw .unreadable(path: partnersDirectory.path, reason: "cannot list the directory")
        }
        var policies: [PartnerPolicy] = []
        var problems: [PolicyDiagnostic] = []
        var wards: WardList?
        do { wards = try WardList.load(directory: directory, display: relativePath) } catch { problems += error.diagnostics }
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let url = partnersDirectory.appendingPathComponent(name)
            let display = relativePath(url)
            guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
                problems.append(PolicyDiagnostic(file: display, line: 1, column: 1, message: "cannot be read as UTF-8 text"))
                continue
            }
            switch PolicyFileParser.parse(
                text: text,
                file: display,
                expectedID: url.deletingPathExtension().lastPathComponent,
                wards: wards,
                caRoot: directory.standardizedFileURL.deletingLastPathComponent()
            ) {
            case .success(let policy): policies.append(policy)
            case .failure(let error): problems += error.diagnostics
            }
        }
        var revocations = RevocationList.none
        do { revocations = try RevocationList.load(directory: directory, display: relativePath) } catch { problems += error.diagnostics }
        if !problems.isEmpty { throw .diagnostics(problems) }
        if policies.isEmpty {
            throw .diagnostics([PolicyDiagnostic(file: relativePath(partnersDirectory), line: 1, column: 1, message: "no partner policy files")])
        }
        return try PolicySet(policies: policies, revocations: revocations, wards: wards)
    }

    /// Parses one policy file's text; for tests and `policy check` of a single file.
    public static func parse(text: String, file: String) throws(PolicyError) -> PartnerPolicy {
        try PolicyFileParser.parse(text: text, file: file, expectedID: nil).get()
    }

    static func version(of policies: [PartnerPolicy]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let canonical = (try? encoder.encode(policies)) ?? Data()
        return "sha256:" + SHA256.hash(data: canonical).hexString
    }

    private static func relativePath(_ url: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(cwd) ? String(url.path.dropFirst(cwd.count)) : url.path
    }
}
