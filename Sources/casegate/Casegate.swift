import ArgumentParser
import Logging

@main
struct Casegate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "casegate",
        abstract: "The council's multi-agency data-sharing gateway for anti-social behaviour cases.",
        subcommands: [Demo.self, Serve.self, Certs.self, Users.self]
    )
}

/// Logs go to standard error; the log level comes from LOG_LEVEL (default info).
func bootstrapLogging() {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return handler
    }
}

import Foundation
