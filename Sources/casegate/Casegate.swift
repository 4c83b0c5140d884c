import ArgumentParser
import Foundation
import Gateway
import Logging
import SharingPolicy

@main
struct Casegate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "casegate",
        abstract: "The council's multi-agency data-sharing gateway for anti-social behaviour cases.",
        version: BuildInfo.description,
        subcommands: [
            Demo.self, Serve.self, Certs.self, Users.self, Policy.self, LedgerCommand.self, RetentionCommand.self, Backup.self, LoadTestCommand.self,
            StoreCommand.self, Restore.self, KeysCommand.self, WitnessCommand.self, MonitorCommand.self,
        ]
    )
}

/// Logs go to standard error, one line an event: `LOG_FORMAT=json` for one JSON object a line (for log
/// shippers), anything else or nothing for text. `LOG_LEVEL` sets the level (default info).
func bootstrapLogging() throws {
    let environment = ProcessInfo.processInfo.environment
    let level = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    let format: LineLogHandler.Format
    switch environment["LOG_FORMAT"] {
    case nil, "", "text": format = .text
    case "json": format = .json
    case let other?: throw ValidationError("LOG_FORMAT must be text or json, not '\(other)'")
    }
    LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, format: format) }
}

/// Logging for a long-running command, whose first line says which build this is.
func startLogging() throws -> Logger {
    try bootstrapLogging()
    let logger = Logger(label: "casegate")
    logger.notice("starting", metadata: ["version": .string(BuildInfo.version), "commit": .string(BuildInfo.commit)])
    return logger
}

/// Loads the policy set, printing every problem as file:line:column on failure.
func loadPolicies(_ directory: String) throws -> PolicySet {
    do {
        return try PolicySet.load(directory: URL(fileURLWithPath: directory))
    } catch {
        printPolicyErrors(error)
        throw ExitCode.failure
    }
}

/// Loads `retention.yaml` from a policy directory, printing every problem as file:line:column on failure.
func loadSchedule(_ policiesDirectory: String) throws -> RetentionSchedule {
    do {
        return try RetentionSchedule.load(file: URL(fileURLWithPath: policiesDirectory).appendingPathComponent("retention.yaml"))
    } catch {
        printPolicyErrors(error)
        throw ExitCode.failure
    }
}

func printPolicyErrors(_ error: PolicyError) {
    var stderr = StandardError()
    for diagnostic in error.diagnostics { print("error: \(diagnostic)", to: &stderr) }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
