/// Lower-case hexadecimal, the form of every hash, fingerprint and key id casegate prints or stores.
/// A table lookup per nibble: `String(format: "%02x")` costs a Foundation formatter per byte, and
/// fingerprints and response hashes are made on every request.
extension Sequence where Element == UInt8 {
    /// Written straight into the string's storage: one allocation, no UTF-8 validation. A digest is not
    /// contiguous storage and reports no count, so it is copied out first (32 bytes).
    public var hexString: String {
        if let text = withContiguousStorageIfAvailable(hexText) { return text }
        return Array(self).withUnsafeBufferPointer(hexText)
    }
}

private func hexText(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    String(unsafeUninitializedCapacity: bytes.count * 2) { out in
        for (i, byte) in bytes.enumerated() {
            out[2 * i] = hexDigit(byte >> 4)
            out[2 * i + 1] = hexDigit(byte & 0x0F)
        }
        return bytes.count * 2
    }
}

@inline(__always)
private func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
}

extension Array where Element == UInt8 {
    /// The bytes `hex` spells (either case), or nil when it is not an even run of hex digits.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count.isMultiple(of: 2) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        self = out
    }
}

/// The value of one hex digit, either case.
func nibble(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: nil
    }
}
