import Foundation

/// One case's stored data key, as a master-key rotation reads it.
public struct WrappedDataKey: Sendable, Equatable {
    public var caseID: String
    public var wrapped: Data
    /// The id of the master key that wrapped it (`MasterKey.id`); nil for keys written before rotation existed.
    public var wrappedBy: Data?

    public init(caseID: String, wrapped: Data, wrappedBy: Data?) {
        self.caseID = caseID
        self.wrapped = wrapped
        self.wrappedBy = wrappedBy
    }
}

/// The data keys as a whole, for re-wrapping them under a new master key while the gateway runs.
public protocol DataKeyStore: Sendable {
    /// The id of the master key new data keys are wrapped with; nil until a rotation first sets it (then the
    /// store's current key). Writers read it in the transaction that inserts a key, so none wraps with an
    /// old key once a rotation has switched it.
    func writeKeyID() async throws -> Data?
    /// Switches the key new data keys are wrapped with; returns once no insert under the old id can commit.
    func setWriteKeyID(_ id: Data) async throws
    /// Up to `limit` data keys with case ids after `caseID` (all from the start when nil), in id order.
    func dataKeys(after caseID: String?, limit: Int) async throws -> [WrappedDataKey]
    /// Stores re-wrapped keys in one transaction, each only if its row still holds the wrapped bytes read
    /// (a key destroyed or re-wrapped meanwhile is left as it is); returns how many were replaced.
    func replace(_ keys: [(caseID: String, old: Data, new: Data)], wrappedBy id: Data) async throws -> Int
    /// How many data keys are wrapped by a key other than `id`.
    func countNotWrapped(by id: Data) async throws -> Int
}
