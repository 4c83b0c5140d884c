import ByteEncoding

/// A disclosure's field list with its canonical bytes, made once and shared by every entry that lists
/// it. Under one policy version and purpose every disclosure lists the same fields (about 1.8 KB of a
/// 2.5 KB entry for a police view): entries copy these bytes rather than encode the list again, and a
/// store that keeps each list once finds it by a key hashed once.
public struct DisclosedFields: Sendable, Equatable, ExpressibleByArrayLiteral {
    public let fields: [DisclosedField]
    /// `[{"path":…,"rule":…},…]`, exactly as an entry's canonical form writes the list.
    public let canonical: ByteKey

    public init(_ fields: [DisclosedField]) {
        self.fields = fields
        var writer = CanonicalJSONWriter()
        writer.fields(fields)
        canonical = ByteKey(writer.bytes)
    }

    public init(arrayLiteral fields: DisclosedField...) {
        self.init(fields)
    }

    public static func == (a: DisclosedFields, b: DisclosedFields) -> Bool {
        a.canonical == b.canonical
    }
}
