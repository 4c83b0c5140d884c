import Ledger

/// The logs a witness cosigns for, each by its origin with the keys that may sign its checkpoints. A log
/// given as a plain C2SP verifier key has the key's name as its origin (casegate's ledger does).
public struct WitnessedLogKeys: Sendable {
    public private(set) var keysByOrigin: [String: [LedgerPublicKey]] = [:]

    public init() {}

    /// `ORIGIN=VKEY` or `VKEY`.
    public mutating func add(_ text: String) throws(CheckpointError) {
        let (origin, vkey): (String?, Substring) =
            if let equals = text.firstIndex(of: "=") { (String(text[..<equals]), text[text.index(after: equals)...]) } else { (nil, Substring(text)) }
        add(try LedgerPublicKey(verifierKey: String(vkey)), origin: origin)
    }

    public mutating func add(_ key: LedgerPublicKey, origin: String? = nil) {
        keysByOrigin[origin ?? key.name, default: []].append(key)
    }
}
