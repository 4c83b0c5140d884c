/// Every key that has signed the ledger's checkpoints, each with the first tree size it signs: a key signs
/// checkpoints from its `fromSize` up to the next key's. Rotating the ledger key adds one.
///
/// Text form (what `GET /v1/ledger/public-key` serves and `casegate ledger public-key` prints): one line a
/// key, oldest first, `<C2SP verifier key> <first size it signs>`. A single C2SP verifier key with no size
/// (the form before rotation existed) reads as that key from size 0.
public struct LedgerKeyHistory: Sendable, Equatable {
    public struct Key: Sendable, Equatable {
        public var publicKey: LedgerPublicKey
        public var fromSize: Int

        public init(publicKey: LedgerPublicKey, fromSize: Int) {
            self.publicKey = publicKey
            self.fromSize = fromSize
        }
    }

    /// Oldest first; the first from size 0.
    public private(set) var keys: [Key]

    public init(_ key: LedgerPublicKey) {
        keys = [Key(publicKey: key, fromSize: 0)]
    }

    /// The key that signs checkpoints from now on.
    public var current: LedgerPublicKey { keys[keys.count - 1].publicKey }

    /// The key in force for a checkpoint of `size`.
    public func key(forSize size: Int) -> LedgerPublicKey {
        keys.last { $0.fromSize <= size }?.publicKey ?? keys[0].publicKey
    }

    /// Adds a key signing checkpoints of `fromSize` on; sizes only grow.
    public mutating func rotate(to key: LedgerPublicKey, fromSize: Int) throws(CheckpointError) {
        guard fromSize > keys[keys.count - 1].fromSize else {
            throw .malformed("a new ledger key must sign from a size after the current key's first (\(keys[keys.count - 1].fromSize))")
        }
        keys.append(Key(publicKey: key, fromSize: fromSize))
    }

    public var text: String {
        keys.map { "\($0.publicKey.verifierKey) \($0.fromSize)\n" }.joined()
    }

    public init(text: String) throws(CheckpointError) {
        var keys: [Key] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.split(separator: " ")
            guard parts.count <= 2, let first = parts.first else { throw .malformed("a key line is '<verifier key> <first size>'") }
            let key = try LedgerPublicKey(verifierKey: String(first))
            guard let from = parts.count == 2 ? Int(parts[1]) : 0, from >= 0, from >= (keys.last?.fromSize ?? 0) else {
                throw .malformed("key sizes must be whole numbers, oldest key first")
            }
            if keys.isEmpty, from != 0 { throw .malformed("the first key must sign from size 0") }
            keys.append(Key(publicKey: key, fromSize: from))
        }
        guard !keys.isEmpty else { throw .malformed("no ledger key") }
        self.keys = keys
    }
}
