import Foundation
import Hummingbird
import NIOCore
import SharingPolicy

/// A partner recognised from its client certificate.
public struct AuthenticatedPartner: Sendable, Equatable {
    public var partner: Partner
    /// SHA-256 of the presented certificate, lower-case hex.
    public var certificateFingerprint: String
}

/// Request context on the partner listener: keeps the connection's channel so
/// the identity middleware can read the peer certificate.
public struct PartnerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: (any Channel)?
    public var partner: AuthenticatedPartner?
    /// The policy set in force when the partner was identified: everything after uses it.
    public var policies: PolicySnapshot?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.partner = nil
        self.policies = nil
    }

    public var responseEncoder: JSONEncoder { APICoding.encoder }
    public var requestDecoder: JSONDecoder { APICoding.decoder }
}
