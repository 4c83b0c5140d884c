import CasegateTestSupport
import Foundation
import Ledger

/// `casegate witness serve` as a child process: its own key and state in `directory`, on a free loopback
/// port read from its first line of output, witnessing the log whose verifier key is given.
final class WitnessProcess: Sendable {
    let process: ChildProcess
    let url: String
    let key: WitnessPublicKey
    let state: String

    init(name: String, directory: URL, logKey: String) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let executable = try CasegateExecutable.path()
        let keyFile = directory.appendingPathComponent("witness.key").path
        let made = try Self.run(executable, ["witness", "key", "--key", keyFile, "--name", name])
        key = try WitnessPublicKey(verifierKey: made)
        state = directory.appendingPathComponent("state.sqlite").path
        let process = ChildProcess()
        process.executableURL = executable
        process.arguments = ["witness", "serve", "--key", keyFile, "--name", name, "--log", logKey, "--state", state, "--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let reader = output.fileHandleForReading
        // The first line names the address: "witness <name> listening on http://127.0.0.1:<port> for …".
        let line = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                var text = ""
                while !text.contains("\n") {
                    let data = reader.availableData
                    guard !data.isEmpty else { break }
                    text += String(decoding: data, as: UTF8.self)
                }
                return text
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                // Closing its end of the pipe lets the blocked read return.
                Foundation.kill(process.processIdentifier, SIGKILL)
                throw CocoaError(.executableLoad)
            }
            defer { group.cancelAll() }
            return try await group.next() ?? ""
        }
        guard let range = line.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else {
            Foundation.kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "the witness did not start: \(line)"])
        }
        url = String(line[range])
    }

    /// Stops it at once, as a crash or a pulled cable would.
    func kill() {
        process.kill()
    }

    deinit {
        process.kill()
    }

    private static func run(_ executable: URL, _ arguments: [String]) throws -> String {
        let process = ChildProcess()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
