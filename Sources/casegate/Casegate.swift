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
        subcommands: [
            Demo.self, Serve.self, Certs.self, Users.self, Policy.self, LedgerCommand.self, RetentionCommand.self, Backup.self, LoadTestCommand.self,
        ]
    )
}

/// Logs go to standard error; the log level comes from LOG_LEVEL (default info).
func bootstrapLogging() {
    let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level) }
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
