/// The HTTP headers that carry a disclosure's receipt, named once for the gateway, clients and tests.
public enum ReceiptHeaders {
    /// The ledger index of the entry recording the disclosure.
    public static let ledgerIndex = "Casegate-Ledger-Index"
    /// The entry's leaf hash, SHA-256(0x00 ‖ entry), in lower-case hex.
    public static let entryHash = "Casegate-Entry-Hash"
}
