/// A run of the log checked where it was read: the leaf hashes of its sound entries, in order, and the
/// first problem, if there is one. A store feeds it each entry as stored, its bytes without the field
/// list and the list beside them (`FieldLists`), straight from its row buffers: the entry is hashed in
/// its parts and never put back together, so checking a long log allocates and copies nothing an entry.
public struct CheckedLeaves: Sendable {
    /// Where the run starts in the log.
    public let first: Int
    /// The sound entries' leaf hashes, `MerkleHash.size` bytes each, flat.
    public private(set) var hashes: [UInt8] = []
    /// The first entry that is not sound; nothing after it is checked.
    public private(set) var problem: LedgerVerifier.Problem?

    public init(first: Int, capacity: Int = 0) {
        self.first = first
        hashes.reserveCapacity(min(capacity, 1 << 20) * MerkleHash.size)
    }

    /// The sound entries so far.
    public var count: Int { hashes.count / MerkleHash.size }

    /// The leaf hash of the `offset`th sound entry.
    public func leafHash(_ offset: Int) -> ArraySlice<UInt8> {
        hashes[(offset * MerkleHash.size)..<((offset + 1) * MerkleHash.size)]
    }

    /// Checks the next entry of the run, stored at `index`: it must be the next position, say so itself, and
    /// hash to `leafHash`. Its canonical bytes are `bytes` with `list` put in at `listAt` (nil: `bytes` is the
    /// whole entry). Returns false once a problem is found.
    public mutating func check(
        index: Int,
        bytes: UnsafeRawBufferPointer,
        list: UnsafeRawBufferPointer?,
        listAt: Int?,
        leafHash: UnsafeRawBufferPointer
    ) -> Bool {
        guard problem == nil else { return false }
        let expected = first + count
        guard index == expected else {
            return fail(expected, "entry \(expected) is missing; the next stored entry is \(index)")
        }
        // As `FieldLists.rejoined` puts an entry back: a list that cannot go where it is said to go is left out,
        // and the entry then fails its hash.
        let cut = list == nil ? nil : listAt.flatMap { (0...bytes.count).contains($0) ? $0 : nil }
        let head = UnsafeRawBufferPointer(rebasing: bytes[..<(cut ?? bytes.count)])
        let tail = UnsafeRawBufferPointer(rebasing: bytes[(cut ?? bytes.count)...])
        let list = cut.flatMap { _ in list } ?? UnsafeRawBufferPointer(start: nil, count: 0)
        guard let written = Self.writtenIndex(head: head, list: list, tail: tail) else {
            return fail(expected, "the stored bytes are not a valid entry")
        }
        guard written == expected else {
            return fail(expected, "the entry stored here says it is entry \(written): entries were moved or replaced")
        }
        guard MerkleHash.leafMatches(head, list, tail, hash: leafHash) else {
            return fail(expected, "the entry's bytes do not match its leaf hash: it was altered")
        }
        hashes.append(contentsOf: leafHash)
        return true
    }

    /// Checks a whole entry as it was read.
    public mutating func check(_ entry: StoredLedgerEntry) -> Bool {
        entry.bytes.withUnsafeBytes { bytes in
            entry.leafHash.withUnsafeBytes { check(index: entry.index, bytes: bytes, list: nil, listAt: nil, leafHash: $0) }
        }
    }

    /// The `index` an entry's bytes give: read from the part after the list, where it lies whenever the list
    /// precedes it (keys are in byte order, and a list is `fields`), else from the entry put back together.
    private static func writtenIndex(head: UnsafeRawBufferPointer, list: UnsafeRawBufferPointer, tail: UnsafeRawBufferPointer) -> Int? {
        if list.isEmpty && tail.isEmpty { return LedgerEntry.index(inCanonical: head.assumingMemoryBound(to: UInt8.self)) }
        let end = tail.assumingMemoryBound(to: UInt8.self)
        if let index = LedgerEntry.index(leading: end) ?? LedgerEntry.index(inCanonical: end, from: .lastMembers) { return index }
        let joined = Array(head) + Array(list) + Array(tail)
        return joined.withUnsafeBufferPointer { LedgerEntry.index(inCanonical: $0) }
    }

    private mutating func fail(_ index: Int, _ reason: String) -> Bool {
        problem = LedgerVerifier.Problem(index: index, reason: reason)
        return false
    }
}
