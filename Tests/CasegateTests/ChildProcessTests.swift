import CasegateTestSupport
import Foundation
import Testing

/// The tests' child processes: what each is given for its standard streams is what it gets, never the
/// test process's own (a child that outlived a crashed test run would hold swift test's output open).
@Suite("Child processes of the tests")
struct ChildProcessTests {
    /// Runs `program` with stdin and stdout on the null device, stderr on a pipe; what it wrote there.
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func shell(_ script: String) throws -> (status: Int32, stderr: String) { try run("/bin/sh", ["-c", script]) }

    @Test("the null device is /dev/null in the child, for reading and for writing")
    func nullDevice() throws {
        // No shell: dash keeps copies of its streams while it redirects, which would muddle what it was given.
        let script = """
            import os, sys
            sys.stderr.write("\\n".join([os.readlink("/proc/self/fd/0"), os.readlink("/proc/self/fd/1"), repr(sys.stdin.read())]))
            """
        let result = try Self.run("/usr/bin/env", ["python3", "-c", script])
        #expect(result.status == 0)
        #expect(result.stderr.split(separator: "\n") == ["/dev/null", "/dev/null", "''"], "\(result.stderr)")
    }

    @Test("no descriptor but the three streams reaches the child")
    func onlyTheStreams() throws {
        let result = try Self.shell("ls /proc/self/fd >&2")
        // 0, 1, 2, and the one ls opened to read the directory.
        #expect(result.stderr.split(separator: "\n").count == 4, "\(result.stderr)")
    }

    @Test("the exit status and a signal are told apart")
    func termination() throws {
        #expect(try Self.shell("exit 3").status == 3)
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["30"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(process.isRunning)
        process.kill()
        #expect(!process.isRunning)
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGKILL)
        process.kill()  // once it has ended, nothing: its pid may be another process's by now
    }
}
