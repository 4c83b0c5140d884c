import ByteEncoding
import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate and its private key, as issued by the development CA.
public struct IssuedCertificate: Sendable {
    public let certificate: Certificate
    public let privateKey: P256.Signing.PrivateKey

    public var certificatePEM: String {
        get throws { try certificate.serializeAsPEM().pemString }
    }

    public var privateKeyPEM: String { privateKey.pemRepresentation }

    /// SHA-256 of the certificate's DER encoding, lower-case hex: how policies name a certificate.
    public var fingerprint: String {
        get throws { try certificate.sha256Fingerprint }
    }
}

extension Certificate {
    /// The DER encoding.
    public var derBytes: [UInt8] {
        get throws {
            var serializer = DER.Serializer()
            try serializer.serialize(self)
            return serializer.serializedBytes
        }
    }

    /// SHA-256 of the DER encoding, lower-case hex without separators.
    public var sha256Fingerprint: String {
        get throws { SHA256.hash(data: try derBytes).hexString }
    }
}

/// A development certificate authority for partner and server certificates.
///
/// Real deployments use the partner CA their agencies agree on; this one exists
/// so a fresh clone runs with mutual TLS, and so tests can mint good, expired
/// and foreign certificates.
public struct DevCertificateAuthority: Sendable {
    public let issued: IssuedCertificate

    public var certificate: Certificate { issued.certificate }

    /// Makes a new self-signed CA.
    public static func create(
        commonName: String = "casegate development partner CA",
        validFrom: Date = Date().addingTimeInterval(-3600),
        validUntil: Date = Date().addingTimeInterval(10 * 365 * 86400)
    ) throws -> DevCertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("casegate development")
            CommonName(commonName)
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: publicKey,
            notValidBefore: validFrom,
            notValidAfter: validUntil,
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: .init(key)
        )
        return DevCertificateAuthority(issued: IssuedCertificate(certificate: certificate, privateKey: key))
    }

    public init(issued: IssuedCertificate) {
        self.issued = issued
    }

    /// Loads a CA from its PEM certificate and key.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let certificate = try Certificate(pemEncoded: certificatePEM)
        let key = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        self.init(issued: IssuedCertificate(certificate: certificate, privateKey: key))
    }

    /// Issues a TLS server certificate for the given DNS names and IP addresses.
    public func issueServer(
        dnsNames: [String] = ["localhost"],
        ipAddresses: [[UInt8]] = [[127, 0, 0, 1]],
        validFrom: Date = Date().addingTimeInterval(-3600),
        validUntil: Date = Date().addingTimeInterval(2 * 365 * 86400)
    ) throws -> IssuedCertificate {
        let subject = try DistinguishedName {
            OrganizationName("casegate development")
            CommonName(dnsNames.first ?? "casegate")
        }
        let names =
            dnsNames.map { GeneralName.dnsName($0) }
            + ipAddresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
        let purpose = try Certificate.Extensions {
            SubjectAlternativeNames(names)
            try ExtendedKeyUsage([.serverAuth])
        }
        return try issue(subject: subject, validFrom: validFrom, validUntil: validUntil, purpose: purpose)
    }

    /// Issues a client certificate for a partner agency: the organisation and
    /// common name are what `policies/partners/*.yaml` match on.
    public func issueClient(
        commonName: String,
        organisation: String,
        validFrom: Date = Date().addingTimeInterval(-3600),
        validUntil: Date = Date().addingTimeInterval(365 * 86400)
    ) throws -> IssuedCertificate {
        let subject = try DistinguishedName {
            OrganizationName(organisation)
            CommonName(commonName)
        }
        let purpose = try Certificate.Extensions { try ExtendedKeyUsage([.clientAuth]) }
        return try issue(subject: subject, validFrom: validFrom, validUntil: validUntil, purpose: purpose)
    }

    private func issue(
        subject: DistinguishedName,
        validFrom: Date,
        validUntil: Date,
        purpose: Certificate.Extensions
    ) throws -> IssuedCertificate {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let authorityKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        var extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            SubjectKeyIdentifier(hash: publicKey)
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
        }
        for ext in purpose { try extensions.append(ext) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: publicKey,
            notValidBefore: validFrom,
            notValidAfter: validUntil,
            issuer: self.certificate.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: .init(issued.privateKey)
        )
        return IssuedCertificate(certificate: certificate, privateKey: key)
    }
}
