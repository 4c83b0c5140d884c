import ByteEncoding
import Crypto
import Foundation
import X509

/// The fixed layout of development certificates under a directory (`certs/dev/` by default), so scripts
/// can find them. The council's side: `ca.pem`, `ca.key` (its partner CA), `server.pem`, `server.key`, and
/// `issued/` (a copy of every partner certificate it signed). The partners' side, as the demo plays it:
/// `partner-side/<id>/<id>.key`, `.csr`, and the `.pem` the council sent back.
public struct DevCertificateFiles: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public var caCertificate: URL { directory.appendingPathComponent("ca.pem") }
    public var caKey: URL { directory.appendingPathComponent("ca.key") }
    public var serverCertificate: URL { directory.appendingPathComponent("server.pem") }
    public var serverKey: URL { directory.appendingPathComponent("server.key") }
    public func partnerCertificate(_ id: String) -> URL { directory.appendingPathComponent("partner-side/\(id)/\(id).pem") }
    public func partnerKey(_ id: String) -> URL { directory.appendingPathComponent("partner-side/\(id)/\(id).key") }
    public func partnerCSR(_ id: String) -> URL { directory.appendingPathComponent("partner-side/\(id)/\(id).csr") }
    /// Copies of the partner certificates the council signed, for expiry listings.
    public var issuedDirectory: URL { directory.appendingPathComponent("issued") }

    /// Loads the CA, making it first if it does not exist.
    public func loadOrCreateCA() throws -> (DevCertificateAuthority, created: Bool) {
        if FileManager.default.fileExists(atPath: caCertificate.path) {
            let ca = try DevCertificateAuthority(
                certificatePEM: String(contentsOf: caCertificate, encoding: .utf8),
                privateKeyPEM: String(contentsOf: caKey, encoding: .utf8)
            )
            return (ca, false)
        }
        let ca = try DevCertificateAuthority.create()
        try write(ca.issued, certificate: caCertificate, key: caKey)
        return (ca, true)
    }

    /// Makes the server certificate unless one exists.
    @discardableResult
    public func ensureServer(ca: DevCertificateAuthority) throws -> Bool {
        guard !FileManager.default.fileExists(atPath: serverCertificate.path) else { return false }
        try write(ca.issueServer(), certificate: serverCertificate, key: serverKey)
        return true
    }

    /// Plays a partner's enrolment unless it has a certificate: the partner's key and CSR made on its side,
    /// the CSR checked and signed by the council's CA, the certificate sent back (and a copy kept in `issued/`).
    @discardableResult
    public func ensurePartner(id: String, organisation: String, ca: DevCertificateAuthority) throws -> Bool {
        guard !FileManager.default.fileExists(atPath: partnerCertificate(id).path) else { return false }
        let (key, csr) = try PartnerEnrolment.request(partner: id, organisation: organisation)
        try writeKey(key, to: partnerKey(id))
        try writeText(try csr.serializeAsPEM().pemString, to: partnerCSR(id))
        let checked = try PartnerEnrolment.check(pem: String(contentsOf: partnerCSR(id), encoding: .utf8), organisation: organisation).get()
        try record(try ca.sign(checked, validUntil: Date().addingTimeInterval(397 * 86400)), partner: id, at: partnerCertificate(id))
        return true
    }

    /// Writes a certificate the council signed for `partner` to `url`, and a copy to `issued/<partner>-<serial>.pem`.
    public func record(_ certificate: Certificate, partner: String, at url: URL) throws {
        let pem = try certificate.serializeAsPEM().pemString
        try writeText(pem, to: url)
        try writeText(pem, to: issuedDirectory.appendingPathComponent("\(partner)-\(certificate.serialNumber.bytes.hexString).pem"))
    }

    /// Writes a private key readable by its owner only, refusing to replace one.
    public func writeKey(_ key: P256.Signing.PrivateKey, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw CocoaError(.fileWriteFileExists, userInfo: [NSFilePathErrorKey: url.path])
        }
        guard FileManager.default.createFile(atPath: url.path, contents: Data(key.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
    }

    private func writeText(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .atomic)
    }

    /// Writes a certificate and its key; the key file is readable by its owner only.
    public func write(_ issued: IssuedCertificate, certificate: URL, key: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: certificate.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(issued.certificatePEM.utf8).write(to: certificate, options: .atomic)
        guard fm.createFile(atPath: key.path, contents: Data(issued.privateKeyPEM.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: key.path])
        }
    }
}
