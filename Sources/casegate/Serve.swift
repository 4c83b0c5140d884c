import ArgumentParser
import Gateway
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the partner and staff listeners.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        limitMallocArenas()
        let logger = try startLogging()
        let configuration = try options.configuration()
        if configuration.metricsListener != nil { GatewayMetrics.bootstrap() }
        _ = try loadPolicies(configuration.policiesDirectory)
        let environment = try await GatewayEnvironment.open(configuration)
        logger.info("store open", metadata: ["store": "\(environment.storage.location)"])
        try await GatewayServer(configuration: configuration, environment: environment, logger: logger).run { ports in
            logger.info("listening", metadata: ports.metadata)
        }
    }
}
