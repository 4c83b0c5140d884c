import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`: the part of Foundation's `Process` the tests use.
///
/// Foundation's `Process.run()` on Linux copies all 256 bytes of each `/proc/self/fd` entry while it looks
/// for descriptors to close, and now and then reads past the end of a page and crashes the test process
/// (swift-corelibs-foundation pull request 5472, after Swift 6.3.1). This closes the inherited descriptors
/// with `posix_spawn_file_actions_addclosefrom_np` instead.
public final class ChildProcess: @unchecked Sendable {
    public enum TerminationReason: Sendable { case exit, uncaughtSignal }

    public var executableURL: URL?
    public var arguments: [String] = []
    public var currentDirectoryURL: URL?
    /// nil (inherit), a `FileHandle` (`FileHandle.nullDevice` opens /dev/null), or a `Pipe` (the child gets its read end).
    public var standardInput: Any?
    /// nil (inherit), a `FileHandle` (`FileHandle.nullDevice` opens /dev/null), or a `Pipe` (the child gets its write end).
    public var standardOutput: Any?
    public var standardError: Any?
    public private(set) var processIdentifier: pid_t = 0
    /// The raw wait status, once reaped.
    private let waitStatus = Mutex<Int32?>(nil)

    public init() {}

    public func run() throws {
        guard let executable = executableURL?.path else { throw CocoaError(.fileNoSuchFile) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentCopies: [FileHandle] = []
        for (target, stream, reading) in [(Int32(0), standardInput, true), (1, standardOutput, false), (2, standardError, false)] {
            let added: Int32
            switch stream {
            case let pipe as Pipe:
                let handle = reading ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                parentCopies.append(handle)
                added = posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target)
            case let file as FileHandle where file === FileHandle.nullDevice:
                // Foundation's null device has no descriptor of its own (-1): the child opens /dev/null.
                added = posix_spawn_file_actions_addopen(&actions, target, "/dev/null", reading ? O_RDONLY : O_WRONLY, 0)
            case let file as FileHandle:
                added = posix_spawn_file_actions_adddup2(&actions, file.fileDescriptor, target)
            default:
                added = 0
            }
            // A stream that could not be set up must not fall back to the test process's own: a child left
            // running after a crash would hold swift test's output open, and swift test would wait for it.
            guard added == 0 else { throw POSIXError(POSIXErrorCode(rawValue: added) ?? .EBADF) }
        }
        guard Self.addCloseFrom(&actions, 3) == 0 else { throw CocoaError(.executableLoad) }
        if let directory = currentDirectoryURL?.path {
            guard Self.addChdir(&actions, directory) == 0 else { throw CocoaError(.fileNoSuchFile) }
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        processIdentifier = pid
        // The child holds its ends now; the parent's copies would keep a reader from ever seeing the end.
        for handle in parentCopies { try? handle.close() }
    }

    public var isRunning: Bool {
        waitStatus.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            guard waitpid(processIdentifier, &raw, WNOHANG) == processIdentifier else { return true }
            status = raw
            return false
        }
    }

    /// Stops it at once, as a crash or a pulled cable would (SIGKILL), and reaps it; nothing once it has ended.
    public func kill() {
        guard isRunning else { return }
        _ = Glibc.kill(processIdentifier, SIGKILL)
        waitUntilExit()
    }

    /// Lets a started child run in short slices, stopping it (SIGSTOP) between them, until `done`, asked
    /// while it is stopped, says so or the child ends; it is left stopped. However fast or loaded the
    /// machine, the caller can then kill it part way through its work.
    ///
    /// A `done` that throws is asked again after the next slice: a store's read can fail while the child is
    /// frozen part way through updating something shared, such as SQLite's WAL index (SQLITE_PROTOCOL).
    public func runInSlices(until done: () async throws -> Bool) async {
        _ = Glibc.kill(processIdentifier, SIGSTOP)
        for _ in 0..<20000 {
            if (try? await done()) == true || !isRunning { return }
            _ = Glibc.kill(processIdentifier, SIGCONT)
            usleep(1000)
            _ = Glibc.kill(processIdentifier, SIGSTOP)
        }
    }

    public func waitUntilExit() {
        waitStatus.withLock { status in
            guard status == nil else { return }
            var raw: Int32 = 0
            while waitpid(processIdentifier, &raw, 0) < 0 && errno == EINTR {}
            status = raw
        }
    }

    public var terminationReason: TerminationReason {
        waitUntilExit()
        return (waitStatus.withLock { $0 } ?? 0) & 0x7F == 0 ? .exit : .uncaughtSignal
    }

    /// The exit code, or the signal that ended it.
    public var terminationStatus: Int32 {
        waitUntilExit()
        let raw = waitStatus.withLock { $0 } ?? 0
        return raw & 0x7F == 0 ? (raw >> 8) & 0xFF : raw & 0x7F
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc 2.34's and 2.29's additions, which the Glibc module does not import.
    private static let addCloseFrom: AddCloseFrom = unsafeBitCast(dlsym(nil, "posix_spawn_file_actions_addclosefrom_np"), to: AddCloseFrom.self)
    private static let addChdir: AddChdir = unsafeBitCast(dlsym(nil, "posix_spawn_file_actions_addchdir_np"), to: AddChdir.self)
}
