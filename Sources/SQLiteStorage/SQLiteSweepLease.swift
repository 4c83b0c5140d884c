import Foundation
import Storage
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on `retention.lock` in the data directory: at most one
/// sweep at a time across processes. The kernel releases it if the holder dies.
final class SQLiteSweepLease: SweepLease {
    /// The locked file, until released.
    private let descriptor: Mutex<Int32?>

    init?(directory: URL) {
        let path = directory.appendingPathComponent("retention.lock").path
        let fd = open(path, O_CREAT | O_RDWR, 0o600)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        descriptor = Mutex(fd)
    }

    func release() async { unlock() }

    private func unlock() {
        guard
            let fd = descriptor.withLock({ fd in
                defer { fd = nil }
                return fd
            })
        else { return }
        flock(fd, LOCK_UN)
        close(fd)
    }

    deinit { unlock() }
}
