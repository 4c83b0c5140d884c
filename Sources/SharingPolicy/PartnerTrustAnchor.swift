import ByteEncoding
import Crypto
import Foundation
import SwiftASN1
import X509

/// A partner's own certificate authority, named in its policy file (`certificate.ca`): the CA that issues
/// the partner's client certificates (an intermediate, if that is what signs them). The partner listener
/// trusts it, and a certificate maps to that partner only if this CA issued it.
public struct PartnerTrustAnchor: Hashable, Sendable {
    /// The path as the policy file gives it.
    public var path: String
    public var certificate: Certificate
    /// SHA-256 of the CA certificate's DER, lower-case hex.
    public var fingerprint: String

    /// Whether this CA issued `leaf`: its subject is the leaf's issuer and its key verifies the leaf's signature.
    public func issued(_ leaf: Certificate) -> Bool {
        certificate.subject == leaf.issuer && certificate.publicKey.isValidSignature(leaf.signature, for: leaf)
    }

    /// Reads and checks the CA file `path` (relative paths from `root`, the directory above `policies/`):
    /// one PEM certificate that is a CA allowed to sign certificates and still valid at `now`.
    static func load(path: String, root: URL, now: Date = Date()) -> Result<PartnerTrustAnchor, TrustAnchorError> {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            return .failure(.unreadable(path))
        }
        guard let certificate = try? Certificate(pemEncoded: text) else { return .failure(.notPEM(path)) }
        guard case .isCertificateAuthority = (try? certificate.extensions.basicConstraints) ?? .notCertificateAuthority else {
            return .failure(.notCA(path))
        }
        if let usage = try? certificate.extensions.keyUsage, !usage.keyCertSign { return .failure(.cannotSign(path)) }
        guard certificate.notValidAfter > now else { return .failure(.expired(path, certificate.notValidAfter)) }
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(certificate)) != nil else { return .failure(.notPEM(path)) }
        return .success(
            PartnerTrustAnchor(path: path, certificate: certificate, fingerprint: SHA256.hash(data: serializer.serializedBytes).hexString)
        )
    }
}

/// Why a partner's CA file cannot be trusted.
public enum TrustAnchorError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(String)
    case notPEM(String)
    case notCA(String)
    case cannotSign(String)
    case expired(String, Date)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read \(path)"
        case .notPEM(let path): "\(path) is not a PEM certificate"
        case .notCA(let path): "\(path) is not a CA certificate (its basic constraints do not say CA)"
        case .cannotSign(let path): "\(path) may not sign certificates (its key usage lacks keyCertSign)"
        case .expired(let path, let date): "\(path) expired on \(ISO8601DateFormatter().string(from: date))"
        }
    }
}

/// What a verified client certificate shows of the partner it claims to be.
public struct PresentedCertificate: Sendable {
    public var certificate: Certificate
    /// SHA-256 of its DER, lower-case hex.
    public var fingerprint: String

    public init(certificate: Certificate, fingerprint: String) {
        self.certificate = certificate
        self.fingerprint = fingerprint
    }

    public init(der: [UInt8]) throws {
        self.init(certificate: try Certificate(derEncoded: der), fingerprint: SHA256.hash(data: der).hexString)
    }

    /// The subject's organisation (O), the first if there are several.
    public var organisation: String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.organizationName { return String(describing: attribute.value) }
        }
        return nil
    }

    /// The DNS names, email addresses and URIs in its subject alternative names.
    public var subjectAltNames: Set<String> {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        var out = Set<String>()
        for name in names {
            switch name {
            case .dnsName(let value), .rfc822Name(let value), .uniformResourceIdentifier(let value): out.insert(value)
            default: continue
            }
        }
        return out
    }

    /// The issuer's distinguished name (RFC 4514) and the serial number in lower-case hex: how a revocation
    /// names a certificate without holding it.
    public var issuerAndSerial: (issuer: String, serial: String) {
        (certificate.issuer.description, RevocationList.normaliseSerial(certificate.serialNumber.bytes.hexString))
    }
}
