import ByteEncoding

/// Writes a ledger entry's canonical form directly as bytes: keys in byte
/// order, no insignificant white space, absent values left out, strings
/// escaped minimally (`"`, `\`, and control characters). Faster than
/// JSONEncoder on the append path, and the same bytes it would write.
struct CanonicalJSONWriter {
    var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(512)
    }

    mutating func string(_ s: String) {
        JSONString.append(s, to: &bytes)
    }

    mutating func raw(_ s: String) { bytes += s.utf8 }

    /// A disclosure's field list, `[{"path":…,"rule":…},…]`.
    mutating func fields(_ fields: [DisclosedField]) {
        array(fields) { w, field in
            w.raw("{\"path\":")
            w.string(field.path)
            w.raw(",\"rule\":")
            w.string(field.rule)
            w.bytes.append(125)
        }
    }

    mutating func array<T>(_ items: [T], _ write: (inout CanonicalJSONWriter, T) -> Void) {
        bytes.append(91)
        for (i, item) in items.enumerated() {
            if i > 0 { bytes.append(44) }
            write(&self, item)
        }
        bytes.append(93)
    }
}

extension LedgerEntry {
    /// The canonical bytes that are hashed and stored. Members are written in byte order of their keys.
    public func canonicalBytes() throws -> [UInt8] {
        canonicalForm(encodedFields: nil).bytes
    }

    /// The canonical bytes and where the value of `fields` lies in them; `encodedFields`, when given, is
    /// `fields` already encoded (`DisclosedFields.canonical`), copied instead of written again.
    func canonicalForm(encodedFields: [UInt8]?) -> (bytes: [UInt8], fieldsRange: Range<Int>?) {
        var w = CanonicalJSONWriter()
        // An entry's members besides its field list come to about 700 bytes; room for them once, not grown twice.
        w.bytes.reserveCapacity((encodedFields?.count ?? 0) + 1024)
        var fieldsRange: Range<Int>?
        var first = true
        func key(_ name: StaticString) {
            if !first { w.bytes.append(44) }
            first = false
            w.bytes.append(34)
            w.bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            w.bytes.append(34)
            w.bytes.append(58)
        }
        func member(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            w.string(value)
        }
        w.bytes.append(123)
        member("action", action.rawValue)
        key("actor")
        w.bytes.append(123)
        var actorFirst = true
        for (name, value) in [
            ("certificate_fingerprint", actor.certificateFingerprint), ("id", actor.id), ("kind", actor.kind.rawValue), ("role", actor.role),
        ] {
            guard let value else { continue }
            if !actorFirst { w.bytes.append(44) }
            actorFirst = false
            w.string(name)
            w.bytes.append(58)
            w.string(value)
        }
        w.bytes.append(125)
        key("case_ids")
        w.array(caseIDs) { $0.string($1) }
        if let details {
            key("details")
            w.bytes.append(123)
            for (i, name) in details.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).enumerated() {
                if i > 0 { w.bytes.append(44) }
                w.string(name)
                w.bytes.append(58)
                w.string(details[name]!)
            }
            w.bytes.append(125)
        }
        if let fields {
            key("fields")
            let start = w.bytes.count
            if let encodedFields { w.bytes += encodedFields } else { w.fields(fields) }
            fieldsRange = start..<w.bytes.count
        }
        key("index")
        w.raw(String(index))
        member("lawful_basis", lawfulBasis)
        member("policy_version", policyVersion)
        member("purpose", purpose)
        member("recipient", recipient)
        member("request_id", requestID)
        member("response_sha256", responseSHA256)
        member("time", time)
        key("v")
        w.raw(String(v))
        w.bytes.append(125)
        return (w.bytes, fieldsRange)
    }
}
