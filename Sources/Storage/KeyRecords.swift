import Crypto
import Foundation

/// What a store records of the keys it was set up with: the master key's check value and the ledger
/// signing key's verifier key. A process holding other keys is refused, rather than sealing cases no other
/// process can open or signing checkpoints partners' verifiers reject.
public protocol KeyRecords: Sendable {
    /// The value recorded under `name`, if any.
    func recorded(_ name: String) async throws -> Data?
    /// Records `value` under `name` unless a value is recorded already; returns the value recorded.
    func record(_ name: String, _ value: Data) async throws -> Data
    /// Replaces the values of several names at once (one transaction), provided `name` still holds
    /// `expected`; returns whether it did.
    func replace(_ values: [String: Data], ifCurrent name: String, is expected: Data) async throws -> Bool
}

/// The names the records are kept under.
public enum KeyRecordName {
    public static let masterKeyCheck = "master_key_check"
    public static let ledgerKey = "ledger_key"
    /// Every ledger key with the first size it signs (`LedgerKeyHistory.text`); absent until a rotation.
    public static let ledgerKeyHistory = "ledger_key_history"
}

extension MasterKey {
    /// An HMAC of a fixed text under the key: identifies the key without revealing it.
    public var checkValue: Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("casegate master key check".utf8), using: key))
    }
}
