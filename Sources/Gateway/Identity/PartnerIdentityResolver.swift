import Crypto
import Foundation
import NIOCore
import NIOSSL
import SharingPolicy
import Synchronization
import X509

/// Maps a verified client certificate to the partner that owns it.
///
/// The TLS handshake has already checked the chain, dates and signature; this
/// only decides *which* partner the certificate belongs to, from the partner
/// directory, which can be swapped when policies reload.
public final class PartnerIdentityResolver: Sendable {
    private let directory: Mutex<PartnerDirectory>

    public init(directory: PartnerDirectory) {
        self.directory = Mutex(directory)
    }

    public func replace(_ newDirectory: PartnerDirectory) {
        directory.withLock { $0 = newDirectory }
    }

    public var current: PartnerDirectory { directory.withLock { $0 } }

    /// The partner for a certificate's DER bytes, or nil when none claims it.
    public func resolve(certificateDER der: [UInt8]) -> AuthenticatedPartner? {
        let fingerprint = SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
        let organisation = (try? Certificate(derEncoded: der)).flatMap { Self.organisation(of: $0.subject) }
        guard let partner = current.partner(fingerprint: fingerprint, organisation: organisation) else { return nil }
        return AuthenticatedPartner(partner: partner, certificateFingerprint: fingerprint)
    }

    static func organisation(of name: DistinguishedName) -> String? {
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.organizationName {
                return String(describing: attribute.value)
            }
        }
        return nil
    }
}
