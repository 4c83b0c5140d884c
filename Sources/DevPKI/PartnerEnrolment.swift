import Crypto
import Foundation
import SwiftASN1
import X509

/// Partner keys stay with the partner: the partner makes a key and a certificate signing request
/// (`casegate certs request`, for partners without their own tooling); the council checks the request and
/// signs it with its partner CA (`casegate certs sign`). The council never holds a partner's key.
public enum PartnerEnrolment {
    /// A new P-256 key and a CSR for it, with the subject partner policies match on.
    public static func request(partner: String, organisation: String) throws -> (key: P256.Signing.PrivateKey, csr: CertificateSigningRequest) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName(organisation)
            CommonName(partner)
        }
        let csr = try CertificateSigningRequest(
            version: .v1,
            subject: subject,
            privateKey: .init(key),
            attributes: .init(),
            signatureAlgorithm: .ecdsaWithSHA256
        )
        return (key, csr)
    }

    /// Reads a PEM CSR and checks it: it parses, its signature verifies with its own key (the requester
    /// holds the key), and its subject organisation is `organisation`.
    public static func check(pem: String, organisation: String) -> Result<CertificateSigningRequest, EnrolmentError> {
        guard let csr = try? CertificateSigningRequest(pemEncoded: pem) else { return .failure(.notACSR) }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else { return .failure(.badSignature) }
        let organisations = csr.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.organizationName }.map { String(describing: $0.value) }
        guard organisations == [organisation] else {
            return .failure(.subjectMismatch(found: organisations.joined(separator: ", "), expected: organisation))
        }
        return .success(csr)
    }
}

/// Why a CSR is refused.
public enum EnrolmentError: Error, Equatable, Sendable, CustomStringConvertible {
    case notACSR
    case badSignature
    case subjectMismatch(found: String, expected: String)

    public var description: String {
        switch self {
        case .notACSR: "not a PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST-----)"
        case .badSignature: "its signature does not verify with its own public key; it may have been altered"
        case .subjectMismatch(let found, let expected):
            "its subject organisation (O) is \(found.isEmpty ? "missing" : "'\(found)'"); the partner's policy names '\(expected)'"
        }
    }
}

extension DevCertificateAuthority {
    /// Issues a client certificate for a checked CSR: its subject and key, client authentication only.
    public func sign(_ csr: CertificateSigningRequest, validUntil: Date, validFrom: Date = Date().addingTimeInterval(-300)) throws -> Certificate {
        let authorityKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.clientAuth])
            SubjectKeyIdentifier(hash: csr.publicKey)
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
        }
        return try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: csr.publicKey,
            notValidBefore: validFrom,
            notValidAfter: validUntil,
            issuer: certificate.subject,
            subject: csr.subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: .init(issued.privateKey)
        )
    }
}
