import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every checkpoint this process signs, also written outside the database: a file in the data directory,
/// one line a checkpoint, `<size> <base64 of the signed note>`, appended and synced before the checkpoint
/// is served. A restored database older than the checkpoints already given out is then found out
/// (`casegate restore` compares), instead of quietly rewriting history partners hold.
///
/// Kept short: past 1 MiB it is rewritten with its latest lines, half a MiB of them (write, sync, rename).
public final class CheckpointLog: Sendable {
    public let file: URL
    /// Appends run here, one at a time: an `fsync` can take milliseconds on a busy disk, and on Swift
    /// concurrency's few threads it would hold up every request meanwhile (decision record 0021).
    private let queue = DispatchQueue(label: "casegate.checkpoint-log")
    static let limit = 1 << 20

    public init(file: URL) {
        self.file = file
    }

    public static func inDataDirectory(_ directory: String) -> CheckpointLog {
        CheckpointLog(file: URL(fileURLWithPath: directory).appendingPathComponent("checkpoints.log"))
    }

    /// Appends the checkpoint and syncs it, on the log's own queue; returns once it is on the disk.
    public func append(size: Int, note: String) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async { continuation.resume(with: Result { try self.appendSynced(size: size, note: note) }) }
        }
    }

    private func appendSynced(size: Int, note: String) throws {
        let line = "\(size) \(Data(note.utf8).base64EncodedString())\n"
        try Self.writeSynced(Array(line.utf8), to: file.path, flags: O_WRONLY | O_CREAT | O_APPEND)
        if let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
            let bytes = attributes[.size] as? Int, bytes > Self.limit
        {
            try compact()
        }
    }

    /// The checkpoints logged, oldest first; a damaged line is skipped.
    public func entries() throws -> [(size: Int, note: String)] {
        guard let data = FileManager.default.contents(atPath: file.path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let size = Int(parts[0]), let note = Data(base64Encoded: String(parts[1])) else { return nil }
            return (size, String(decoding: note, as: UTF8.self))
        }
    }

    /// The checkpoint signed last: the furthest any partner may have been shown the log.
    public func latest() throws -> (size: Int, note: String)? {
        try entries().last
    }

    private func compact() throws {
        var kept: [String] = []
        var bytes = 0
        for entry in try entries().reversed() {
            let line = "\(entry.size) \(Data(entry.note.utf8).base64EncodedString())\n"
            if !kept.isEmpty && bytes + line.utf8.count > Self.limit / 2 { break }
            kept.append(line)
            bytes += line.utf8.count
        }
        let lines = kept.reversed().joined()
        let scratch = file.path + ".compacting"
        try Self.writeSynced(Array(lines.utf8), to: scratch, flags: O_WRONLY | O_CREAT | O_TRUNC)
        guard rename(scratch, file.path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path]) }
    }

    /// Writes all of `bytes` and syncs them before returning.
    private static func writeSynced(_ bytes: [UInt8], to path: String, flags: Int32) throws {
        let fd = open(path, flags, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBufferPointer { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: path]) }
            offset += n
        }
        guard fsync(fd) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }
}
