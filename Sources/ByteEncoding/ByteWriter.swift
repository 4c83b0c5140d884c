/// Somewhere bytes are appended: an array, or a `ByteWriter` on the disclosure path.
public protocol ByteSink: ~Copyable {
    mutating func append(_ byte: UInt8)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>)
}

extension [UInt8]: ByteSink {}

/// A response body being written: a growable buffer whose appends are one capacity test and a copy.
///
/// `[UInt8]` makes a runtime uniqueness check on every append, and building one partner view makes
/// hundreds of appends; this is what views are written into. Not copyable, so it has one owner and
/// frees its memory when done.
public struct ByteWriter: ~Copyable, ByteSink {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var written: Int
    /// False while writing into the caller's memory (see `init(scratch:)`), which is never freed here.
    @usableFromInline var owned: Bool

    /// Bytes written so far.
    public var count: Int { written }

    public init(capacity: Int = 4096) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
        written = 0
        owned = true
    }

    /// Writes into `scratch` (say, an array's uninitialised storage) while it has room; past that, into memory
    /// of its own, after copying what was written. `isInScratch` tells which happened.
    public init(scratch: UnsafeMutableBufferPointer<UInt8>) {
        base = scratch.baseAddress ?? .allocate(capacity: 16)
        capacity = scratch.baseAddress == nil ? 16 : scratch.count
        written = 0
        owned = scratch.baseAddress == nil
    }

    /// Whether everything written is still in the scratch space given to `init(scratch:)`.
    public var isInScratch: Bool { !owned }

    deinit { if owned { base.deallocate() } }

    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        if written == capacity { grow(toHold: written + 1) }
        base[written] = byte
        written += 1
    }

    @inlinable @inline(__always)
    public mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        let n = bytes.count
        if written + n > capacity { grow(toHold: written + n) }
        let target = base + written
        // Most appends are keys and short values: two overlapping eight-byte moves beat a call to memcpy.
        if n >= 8 && n <= 16 {
            let raw = UnsafeRawPointer(source)
            let head = raw.loadUnaligned(as: UInt64.self)
            let tail = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            UnsafeMutableRawPointer(target).storeBytes(of: head, as: UInt64.self)
            UnsafeMutableRawPointer(target).storeBytes(of: tail, toByteOffset: n - 8, as: UInt64.self)
        } else if n < 8 {
            for k in 0..<n { target[k] = source[k] }
        } else {
            target.initialize(from: source, count: n)
        }
        written += n
    }

    public mutating func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    /// Drops what was written after the first `count` bytes: a member that turned out to have no value.
    public mutating func truncate(to count: Int) {
        precondition(count >= 0 && count <= written)
        written = count
    }

    /// A copy of the bytes written.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    @usableFromInline mutating func grow(toHold needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        if owned { base.deallocate() }
        base = newBase
        capacity = newCapacity
        owned = true
    }
}

extension ByteSink where Self: ~Copyable {
    /// Appends the bytes of a string literal.
    @inlinable @inline(__always)
    public mutating func append(_ literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends a string's UTF-8 bytes as they are (no escaping): log lines, dates out of range.
    @inlinable
    public mutating func append(utf8 string: String) {
        if string.utf8.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil {
            var string = string
            string.withUTF8 { append(contentsOf: $0) }
        }
    }

    /// Appends a non-negative integer in decimal, without making a String.
    @inlinable
    public mutating func appendDecimal(_ value: Int) {
        precondition(value >= 0)
        if value < 10 {
            append(UInt8(48 + value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for Int.max's 19 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var v = value
            var k = buffer.count
            repeat {
                k -= 1
                buffer[k] = UInt8(48 + v % 10)
                v /= 10
            } while v > 0
            append(contentsOf: UnsafeBufferPointer(rebasing: buffer.bindMemory(to: UInt8.self)[k...]))
        }
    }

    /// Appends `value` as exactly `width` (at most 8) decimal digits, zero-padded: dates and times.
    @inlinable
    public mutating func appendDigits(_ value: Int, width: Int) {
        precondition(width > 0 && width <= 8)
        var digits: UInt64 = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            var v = value
            for k in stride(from: width - 1, through: 0, by: -1) {
                buffer[k] = UInt8(48 + v % 10)
                v /= 10
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: buffer.bindMemory(to: UInt8.self)[..<width]))
        }
    }
}
