import ArgumentParser
import Gateway
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the partner and staff listeners.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        bootstrapLogging()
        let configuration = try options.configuration()
        _ = try loadPolicies(configuration.policiesDirectory)
        let environment = try await GatewayEnvironment.open(configuration)
        let logger = Logger(label: "casegate")
        logger.info("store open", metadata: ["store": "\(environment.storage.location)"])
        try await GatewayServer(configuration: configuration, environment: environment, logger: logger).run { partner, staff in
            logger.info("listening", metadata: ["partner_port": "\(partner)", "staff_port": "\(staff)"])
        }
    }
}
