import Crypto
import Foundation
import Logging
import Redaction
import SharingPolicy
import Synchronization

/// The sharing policies in force. A reload validates the whole new set first
/// and swaps it in at once; an invalid set leaves the old one in force.
public final class PolicyStore: Sendable {
    public let directory: URL
    private let masterKey: SymmetricKey
    private let state: Mutex<CompiledPolicySet>

    public init(directory: URL, masterKey: SymmetricKey) throws(PolicyError) {
        self.directory = directory
        self.masterKey = masterKey
        self.state = Mutex(CompiledPolicySet(try PolicySet.load(directory: directory), masterKey: masterKey))
    }

    public var current: CompiledPolicySet { state.withLock { $0 } }

    /// Re-reads the directory. Throws, changing nothing, when the new set is invalid.
    @discardableResult
    public func reload() throws(PolicyError) -> CompiledPolicySet {
        let compiled = CompiledPolicySet(try PolicySet.load(directory: directory), masterKey: masterKey)
        state.withLock { $0 = compiled }
        return compiled
    }

    /// The partner a verified client certificate belongs to, or nil when no policy claims it.
    public func resolve(certificateDER der: [UInt8]) -> AuthenticatedPartner? {
        let fingerprint = SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
        let organisation = CertificateSubject.organisation(der: der)
        guard let partner = current.policySet.directory.partner(fingerprint: fingerprint, organisation: organisation) else { return nil }
        return AuthenticatedPartner(partner: partner, certificateFingerprint: fingerprint)
    }
}
