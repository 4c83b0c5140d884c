import Foundation

/// The `casegate` executable, built if this test run has not built it yet.
public enum CasegateExecutable {
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public static func path() throws -> URL {
        let buildDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [buildDirectory, buildDirectory.deletingLastPathComponent()].map { $0.appendingPathComponent("casegate") }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) { return found }
        let build = ChildProcess()
        build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        build.arguments = ["swift", "build", "--product", "casegate", "--package-path", packageRoot.path]
        try build.run()
        build.waitUntilExit()
        let show = ChildProcess()
        let pipe = Pipe()
        show.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        show.arguments = ["swift", "build", "--show-bin-path", "--package-path", packageRoot.path]
        show.standardOutput = pipe
        try show.run()
        show.waitUntilExit()
        let bin = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return URL(fileURLWithPath: bin).appendingPathComponent("casegate")
    }
}
