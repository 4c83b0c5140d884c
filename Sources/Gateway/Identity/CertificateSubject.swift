import X509

/// Reads the subject organisation (O) from a certificate, as partner policies match on it.
enum CertificateSubject {
    static func organisation(der: [UInt8]) -> String? {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.organizationName {
                return String(describing: attribute.value)
            }
        }
        return nil
    }
}
