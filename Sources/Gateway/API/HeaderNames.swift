import HTTPTypes
import Ledger

extension HTTPField.Name {
    /// The receipt: the ledger index of the entry recording this disclosure.
    public static let casegateLedgerIndex = Self(ReceiptHeaders.ledgerIndex)!
    /// The receipt: the entry's leaf hash, SHA-256(0x00 ‖ entry), in hex.
    public static let casegateEntryHash = Self(ReceiptHeaders.entryHash)!
    /// How many witnesses' cosignatures the served checkpoint carries.
    public static let casegateWitnessCosignatures = Self("Casegate-Witness-Cosignatures")!
    /// The next page's cursor, where the body (CSV) has no room for it.
    static let casegateNextCursor = Self("Casegate-Next-Cursor")!
}
