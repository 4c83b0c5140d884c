import Crypto
import Foundation
import X509

/// The fixed layout of development certificates under a directory
/// (`certs/dev/` by default), so scripts can find them:
/// `ca.pem`, `ca.key`, `server.pem`, `server.key`, `partners/<id>.pem` and `.key`.
public struct DevCertificateFiles: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public var caCertificate: URL { directory.appendingPathComponent("ca.pem") }
    public var caKey: URL { directory.appendingPathComponent("ca.key") }
    public var serverCertificate: URL { directory.appendingPathComponent("server.pem") }
    public var serverKey: URL { directory.appendingPathComponent("server.key") }
    public func partnerCertificate(_ id: String) -> URL { directory.appendingPathComponent("partners/\(id).pem") }
    public func partnerKey(_ id: String) -> URL { directory.appendingPathComponent("partners/\(id).key") }

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

    /// Makes a partner's client certificate unless one exists.
    @discardableResult
    public func ensurePartner(id: String, organisation: String, ca: DevCertificateAuthority) throws -> Bool {
        guard !FileManager.default.fileExists(atPath: partnerCertificate(id).path) else { return false }
        try write(ca.issueClient(commonName: id, organisation: organisation), certificate: partnerCertificate(id), key: partnerKey(id))
        return true
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
