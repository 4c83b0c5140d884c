import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Log lines written to a file descriptor from a queue of their own, so that a slow destination (a log
/// file on a busy disk, a journal's pipe that is full) never holds up the thread that logged: on Swift
/// concurrency's one thread a core, a blocked `write` stalls every request meanwhile.
///
/// Lines keep their order and are never split or interleaved. What gathers over `gathering` (5 ms), or
/// while a write is under way, goes out in one `write`. Past `limit` bytes waiting, new lines are dropped and counted, and the
/// count is written as a line of its own once the destination takes lines again: memory stays bounded and
/// the loss is on the record. `flush()` waits for every line given so far.
public final class LineWriter: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var writing = false
        var dropped = 0
        /// Dropped lines already reported in the log.
        var reported = 0
        /// Bytes written since the kernel was last told to write the file back.
        var notWrittenBack = 0
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "casegate.log-writer")
    private let descriptor: Int32
    private let limit: Int
    /// For a regular file: called with the descriptor after every `writeBehind` bytes written.
    private let writeBack: (@Sendable (Int32) -> Void)?

    /// Lines are queued for `descriptor` (not closed here); at most `limit` bytes wait at once. When
    /// `descriptor` is a regular file, `writeBack` is called after every `writeBehind` bytes written (by
    /// default `startWriteBack`).
    public init(
        descriptor: Int32,
        limit: Int = 4 << 20,
        writeBack: @escaping @Sendable (Int32) -> Void = LineWriter.startWriteBack
    ) {
        self.descriptor = descriptor
        self.limit = limit
        var status = stat()
        let regularFile = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        self.writeBack = regularFile ? writeBack : nil
    }

    /// Bytes of a log file written between two calls of `writeBack`.
    public static let writeBehind = 256 << 10

    /// Has the kernel start writing a log file's pages to disk now and drop them from the page cache.
    /// Left to itself, the kernel holds a log's pages for 30 s (`vm.dirty_expire_centisecs`) and then
    /// writes them at once: at 4,000 requests a second some 25 MB, which the database's next synced
    /// commits queue behind for tens of milliseconds. Written behind in small steps, they never pile
    /// up; as PostgreSQL's `pg_flush_data` does where `sync_file_range` is not to hand.
    @Sendable public static func startWriteBack(_ descriptor: Int32) {
        #if canImport(Glibc)
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
        #endif
    }

    /// Standard error, flushed when the process exits normally.
    public static let standardError: LineWriter = {
        let writer = LineWriter(descriptor: 2)
        atexit { LineWriter.standardError.flush() }
        return writer
    }()

    /// Queues `line` (with its newline) and returns at once.
    public func enqueue(_ line: String) {
        var line = line
        line.withUTF8 { enqueue($0) }
    }

    /// Queues a line's UTF-8 bytes (with its newline), copied before it returns, and returns at once.
    public func enqueue(_ line: UnsafeBufferPointer<UInt8>) {
        let start = state.withLock { state -> Bool in
            guard state.pending.count + line.count <= limit else {
                state.dropped += 1
                return false
            }
            state.pending.append(contentsOf: line)
            if state.writing { return false }
            state.writing = true
            return true
        }
        // A moment's wait lets the lines of many requests share one wake-up of the queue and one `write`.
        if start { queue.asyncAfter(deadline: .now() + Self.gathering) { self.drain() } }
    }

    static let gathering = DispatchTimeInterval.milliseconds(5)

    /// Returns once every line queued before the call has been written (or dropped).
    public func flush() {
        queue.sync { drain() }
    }

    /// Lines dropped so far because `limit` bytes were already waiting.
    public var dropped: Int { state.withLock { $0.dropped } }

    private func drain() {
        while true {
            let (batch, newlyDropped, writeBackDue) = state.withLock { state -> ([UInt8], Int, Bool) in
                let batch = state.pending
                state.pending.removeAll(keepingCapacity: true)
                let newlyDropped = state.dropped - state.reported
                state.reported = state.dropped
                if batch.isEmpty && newlyDropped == 0 { state.writing = false }
                state.notWrittenBack += batch.count
                let writeBackDue = writeBack != nil && state.notWrittenBack >= Self.writeBehind
                if writeBackDue { state.notWrittenBack = 0 }
                return (batch, newlyDropped, writeBackDue)
            }
            if batch.isEmpty && newlyDropped == 0 { return }
            writeAll(batch)
            if newlyDropped > 0 {
                writeAll(Array("\(newlyDropped) log lines dropped: the log's destination did not keep up\n".utf8))
            }
            if writeBackDue { writeBack?(descriptor) }
        }
    }

    /// All of `bytes`, retried on interruption; a destination that fails loses this batch and nothing else.
    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
