import Foundation
import Yams

/// Partner client certificates that must no longer be accepted, though still within their dates:
/// `policies/revoked-certificates.yaml`. Loaded and reloaded with the policy set, so a revocation takes
/// effect on `POST /v1/policies/reload` or SIGHUP, and a mistake in the file keeps the old set in force.
///
/// ```yaml
/// revoked:
///   - fingerprint: 3f2a…   # SHA-256 of the certificate's DER, hex (colons allowed)
///     reason: laptop stolen, reported by MPS 2026-11-20
///     revoked_at: 2026-11-20
///   - issuer: "CN=MPS Issuing CA 2,O=Metropolitan Police Service"   # RFC 4514, as `certs show` prints it
///     serial: 4f:1a:09…                                              # hex (colons allowed)
///     reason: key compromise, MPS ref 2026/77
///     revoked_at: 2026-11-28
/// ```
///
/// Issuer and serial name a certificate the council never held (one a partner's own CA issued), as a CRL does.
public struct RevocationList: Sendable, Equatable {
    public struct Revocation: Sendable, Equatable, Codable {
        /// Lower-case hex, 64 digits; or nil when the entry names issuer and serial.
        public var fingerprint: String?
        /// The issuer's distinguished name (RFC 4514) and the serial number in lower-case hex, no leading zeros.
        public var issuer: String?
        public var serial: String?
        public var reason: String
        /// `YYYY-MM-DD`.
        public var revokedAt: String

        public init(fingerprint: String, reason: String, revokedAt: String) {
            self.fingerprint = fingerprint
            self.reason = reason
            self.revokedAt = revokedAt
        }

        public init(issuer: String, serial: String, reason: String, revokedAt: String) {
            self.issuer = issuer
            self.serial = RevocationList.normaliseSerial(serial)
            self.reason = reason
            self.revokedAt = revokedAt
        }
    }

    public static let fileName = "revoked-certificates.yaml"
    public static let none = RevocationList(entries: [])

    public let entries: [Revocation]
    private let fingerprints: Set<String>
    private let issuerSerials: Set<String>

    public init(entries: [Revocation]) {
        self.entries = entries
        self.fingerprints = Set(entries.compactMap(\.fingerprint))
        self.issuerSerials = Set(entries.compactMap { entry in entry.issuer.flatMap { issuer in entry.serial.map { Self.key(issuer, $0) } } })
    }

    public func isRevoked(fingerprint: String) -> Bool {
        fingerprints.contains(fingerprint)
    }

    /// Revoked by fingerprint or by issuer and serial number.
    public func isRevoked(_ presented: PresentedCertificate) -> Bool {
        if fingerprints.contains(presented.fingerprint) { return true }
        guard !issuerSerials.isEmpty else { return false }
        let (issuer, serial) = presented.issuerAndSerial
        return issuerSerials.contains(Self.key(issuer, serial))
    }

    private static func key(_ issuer: String, _ serial: String) -> String { issuer + "\u{0}" + serial }

    /// Lower-case hex without separators, a `0x` prefix or leading zeros.
    public static func normaliseSerial(_ text: String) -> String {
        var hex = text.lowercased().filter { $0 != ":" && !$0.isWhitespace }
        if hex.hasPrefix("0x") { hex.removeFirst(2) }
        let trimmed = hex.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }

    /// Reads `policies/revoked-certificates.yaml`; a missing file revokes nothing.
    public static func load(directory: URL, display: (URL) -> String) throws(PolicyError) -> RevocationList {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return .none }
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw .diagnostics([PolicyDiagnostic(file: display(url), line: 1, column: 1, message: "cannot be read as UTF-8 text")])
        }
        return try parse(text: text, file: display(url))
    }

    public static func parse(text: String, file: String) throws(PolicyError) -> RevocationList {
        let cursor = YAMLCursor(file: file)
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw .diagnostics([PolicyDiagnostic(file: file, line: 1, column: 1, message: "not valid YAML: \(error)")])
        }
        // An empty file, or one with only comments, revokes nothing.
        guard let root else { return .none }
        var entries: [Revocation] = []
        if let top = cursor.mapping(root, "the revocation list", required: ["revoked"]), let list = top["revoked"] {
            if case .sequence(let items) = list {
                for item in items {
                    guard
                        let fields = cursor.mapping(
                            item,
                            "a revocation",
                            required: ["reason", "revoked_at"],
                            optional: ["fingerprint", "issuer", "serial"]
                        )
                    else { continue }
                    guard let revocation = Self.revocation(fields, item, cursor) else { continue }
                    if entries.contains(where: {
                        $0.fingerprint == revocation.fingerprint && $0.issuer == revocation.issuer && $0.serial == revocation.serial
                    }) {
                        cursor.error(fields["fingerprint"] ?? fields["serial"], "this certificate is already revoked above")
                    }
                    entries.append(revocation)
                }
            } else if list.null == nil {
                cursor.error(list, "'revoked' must be a list of revocations")
            }
        }
        if !cursor.diagnostics.isEmpty { throw .diagnostics(cursor.diagnostics) }
        return RevocationList(entries: entries)
    }

    /// One entry: the certificate by fingerprint, or by issuer and serial; the reason and the day.
    private static func revocation(_ fields: [String: Node], _ item: Node, _ cursor: YAMLCursor) -> Revocation? {
        let byIssuer = fields["issuer"] != nil || fields["serial"] != nil
        if byIssuer == (fields["fingerprint"] != nil) {
            cursor.error(item, "a revocation names the certificate by 'fingerprint', or by 'issuer' and 'serial', not both")
            return nil
        }
        if byIssuer, fields["issuer"] == nil || fields["serial"] == nil {
            cursor.error(item, "'issuer' and 'serial' go together")
            return nil
        }
        let reason = cursor.string(fields["reason"], "'reason'")
        let revokedAt = cursor.string(fields["revoked_at"], "'revoked_at'")
        if let revokedAt, !isDay(revokedAt) { cursor.error(fields["revoked_at"], "'revoked_at' must be a date, YYYY-MM-DD") }
        guard byIssuer else {
            guard let fingerprint = cursor.string(fields["fingerprint"], "'fingerprint'").map(normaliseFingerprint) else { return nil }
            if fingerprint.count != 64 || !fingerprint.allSatisfy(\.isHexDigit) {
                cursor.error(
                    fields["fingerprint"],
                    "'fingerprint' must be the certificate's SHA-256 in hex (64 digits); `casegate certs show FILE` prints it"
                )
            }
            guard let reason, let revokedAt else { return nil }
            return Revocation(fingerprint: fingerprint, reason: reason, revokedAt: revokedAt)
        }
        guard let issuer = cursor.string(fields["issuer"], "'issuer'"), let serial = cursor.string(fields["serial"], "'serial'") else { return nil }
        let normalised = normaliseSerial(serial)
        if !normalised.allSatisfy(\.isHexDigit) || normalised.count > 40 {
            cursor.error(fields["serial"], "'serial' must be the serial number in hex (at most 20 bytes); `casegate certs show FILE` prints it")
        }
        if !issuer.contains("=") {
            cursor.error(fields["issuer"], "'issuer' must be the issuer's distinguished name, as `casegate certs show FILE` prints it")
        }
        guard let reason, let revokedAt else { return nil }
        return Revocation(issuer: issuer, serial: normalised, reason: reason, revokedAt: revokedAt)
    }

    private static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        return text.count == 10 && parts.count == 3 && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
            && (1...12).contains(Int(parts[1]) ?? 0) && (1...31).contains(Int(parts[2]) ?? 0)
    }

    /// The file's text with `revocation` added, comments and earlier entries kept as they are.
    public static func appending(_ revocation: Revocation, to text: String?) -> String {
        var out =
            text ?? """
                # Partner client certificates that must no longer be accepted, by SHA-256 fingerprint.
                # Reload the policies (POST /v1/policies/reload or SIGHUP) for a change to take effect.

                """
        if !out.contains(where: { !$0.isWhitespace }) || !out.split(separator: "\n").contains(where: { $0.hasPrefix("revoked:") }) {
            if !out.isEmpty && !out.hasSuffix("\n") { out += "\n" }
            out += "revoked:\n"
        }
        if !out.hasSuffix("\n") { out += "\n" }
        if let fingerprint = revocation.fingerprint {
            out += "  - fingerprint: \(fingerprint)\n"
        } else {
            out += "  - issuer: \(yamlQuoted(revocation.issuer ?? ""))\n"
            out += "    serial: \(revocation.serial ?? "")\n"
        }
        out += "    reason: \(yamlQuoted(revocation.reason))\n"
        out += "    revoked_at: \(revocation.revokedAt)\n"
        return out
    }

    private static func yamlQuoted(_ text: String) -> String {
        "\""
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: " ") + "\""
    }
}
