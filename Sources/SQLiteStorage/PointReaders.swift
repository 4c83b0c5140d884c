import Foundation
import GRDB
import Storage
import Synchronization

/// Read-only connections for the single-row reads every disclosure makes (a case, its data key), each
/// used by one caller at a time on the caller's own thread.
///
/// GRDB's pool serves any read, so on every access it takes a reader through a semaphore, a dispatch
/// group and a lock, and runs `PRAGMA schema_version` (its own read of the file) to keep its schema
/// cache right; measured on a case read, that was half the read. These reads need none of it: one
/// cached SELECT reads one snapshot by itself, and a schema changed by another process makes SQLite
/// prepare the statement again. Everything else still goes through the pool.
final class PointReaders: Sendable {
    private let path: String
    private let idle = Mutex<[DatabaseQueue]>([])
    /// Connections kept between reads: about the number of threads that read at once. More are opened
    /// when more callers read at the same moment, and closed after.
    private let kept: Int

    init(path: String, kept: Int = 8) {
        self.path = path
        self.kept = kept
    }

    /// Connections open and idle now.
    var idleCount: Int { idle.withLock { $0.count } }

    /// Runs `body` on an idle connection (opening one if none is idle), on the calling thread.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        let connection = try idle.withLock { $0.popLast() } ?? Self.open(path)
        defer {
            idle.withLock { if $0.count < kept { $0.append(connection) } }
        }
        return try connection.inDatabase(body)
    }

    private static func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        configuration.label = "casegate.point-read"
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}
