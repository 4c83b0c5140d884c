import Crypto
import Foundation

/// Secrets of the store's own, apart from the master key: the root of every partner's pseudonym key and
/// the blind party index's key. They are kept in the store's key records wrapped by the master key, not
/// derived from it, so rotating the master key changes no pseudonym a partner holds and no subject search.
public struct StoreSecrets: Sendable {
    /// The input to each partner's pseudonym key (HKDF per partner; see `Pseudonymiser`).
    public let pseudonymRoot: SymmetricKey
    /// The HMAC key of the blind party index.
    public let partyIndex: SymmetricKey

    public init(pseudonymRoot: SymmetricKey, partyIndex: SymmetricKey) {
        self.pseudonymRoot = pseudonymRoot
        self.partyIndex = partyIndex
    }

    public static let pseudonymRootName = "pseudonym_root_wrapped"
    public static let partyIndexName = "party_index_key_wrapped"

    /// Decides the secrets from what the store has recorded. A store set up before secrets were kept
    /// (it holds data, records none) keeps today's values, derived from the master key as they were; a new
    /// store gets `newStore`, or random ones. Returns the secrets and the wrapped values to record (none if all were there).
    public static func resolve(
        master: MasterKey,
        recorded: [String: Data],
        storeHasData: Bool,
        newStore: StoreSecrets? = nil
    ) throws -> (secrets: StoreSecrets, toRecord: [String: Data]) {
        if let root = recorded[pseudonymRootName], let index = recorded[partyIndexName] {
            do {
                return (StoreSecrets(pseudonymRoot: try master.unwrap(root), partyIndex: try master.unwrap(index)), [:])
            } catch {
                throw StorageError.masterKey(path: "the store's secrets", reason: "they do not unwrap with this master key")
            }
        }
        let secrets =
            storeHasData
            ? StoreSecrets(pseudonymRoot: master.key, partyIndex: master.derivedKey(for: "party-index-v1"))
            : newStore ?? StoreSecrets(pseudonymRoot: SymmetricKey(size: .bits256), partyIndex: SymmetricKey(size: .bits256))
        return (secrets, [pseudonymRootName: try master.wrap(secrets.pseudonymRoot), partyIndexName: try master.wrap(secrets.partyIndex)])
    }

    /// The record names, for stores reading them.
    public static let names = [pseudonymRootName, partyIndexName]
}
