import NIOSSL

/// TLS settings for both listeners: TLS 1.2 or 1.3 only, and for TLS 1.2 only
/// forward-secret AEAD suites. The partner listener also requires a client
/// certificate that chains to the partner CA; anything else fails the handshake.
public enum TLSSetup {
    static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    static func partner(_ files: GatewayConfiguration.TLSFiles) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: try chain(files.certificate),
            privateKey: .privateKey(try NIOSSLPrivateKey(file: files.privateKey, format: .pem)),
            trustRoots: .certificates(try NIOSSLCertificate.fromPEMFile(files.partnerCA))
        )
        harden(&configuration)
        return configuration
    }

    static func staff(_ files: GatewayConfiguration.TLSFiles) throws -> TLSConfiguration {
        try server(certificate: files.certificate, privateKey: files.privateKey)
    }

    /// A server without client certificates (the staff listener, a witness), hardened like the others.
    public static func server(certificate: String, privateKey: String) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try chain(certificate),
            privateKey: .privateKey(try NIOSSLPrivateKey(file: privateKey, format: .pem))
        )
        harden(&configuration)
        return configuration
    }

    private static func chain(_ path: String) throws -> [NIOSSLCertificateSource] {
        try NIOSSLCertificate.fromPEMFile(path).map { .certificate($0) }
    }

    private static func harden(_ configuration: inout TLSConfiguration) {
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuiteValues = tls12CipherSuites
    }
}
