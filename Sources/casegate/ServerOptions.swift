import ArgumentParser
import Foundation
import Gateway
import Yams

/// Flags shared by `serve` and `demo`; each overrides the configuration file.
struct ServerOptions: ParsableArguments {
    @Option(help: "A YAML configuration file (see README, Configuration).")
    var config: String?

    @Option(help: "Directory for the databases and the master key.")
    var dataDir: String?

    @Option(help: "A postgres:// URL to keep the data in PostgreSQL instead of SQLite files in the data directory.")
    var databaseURL: String?

    @Option(help: "A postgres:// URL of another database for the data keys (with --database-url), so backups of the case database hold none.")
    var keyDatabaseURL: String?

    @Option(help: "Directory of sharing policies and the bank-holiday overrides.")
    var policiesDir: String?

    @Option(help: "Port of the partner (mutual TLS) listener.")
    var partnerPort: Int?

    @Option(help: "Port of the staff (bearer token) listener.")
    var staffPort: Int?

    @Option(help: "Address both listeners bind to.")
    var host: String?

    @Option(help: "Server certificate chain (PEM).")
    var certificate: String?

    @Option(help: "Server private key (PEM).")
    var privateKey: String?

    @Option(help: "CA certificate that issues partner client certificates (PEM).")
    var partnerCA: String?

    @Option(help: "Requests a second per partner (bursts of twice that), or 'off' (for load tests).")
    var partnerRateLimit: String?

    @Option(help: "Port of the operations listener (Prometheus metrics, loopback), or 'off'.")
    var metricsPort: String?

    @Option(name: .customLong("view-cache-mb"), help: "Megabytes of partner views kept for repeat requests; 0 keeps none.")
    var viewCacheMegabytes: Int?

    func configuration(defaults: GatewayConfiguration = GatewayConfiguration()) throws -> GatewayConfiguration {
        var configuration = defaults
        if let config {
            let text: String
            do { text = try String(contentsOfFile: config, encoding: .utf8) } catch {
                throw ValidationError("cannot read the configuration file \(config)")
            }
            do { configuration = try YAMLDecoder().decode(GatewayConfiguration.self, from: text) } catch {
                throw ValidationError("\(config): \(error)")
            }
        }
        if let dataDir { configuration.dataDirectory = dataDir }
        if let databaseURL { configuration.database = databaseURL }
        if let keyDatabaseURL { configuration.keyDatabase = keyDatabaseURL }
        if let policiesDir { configuration.policiesDirectory = policiesDir }
        if let partnerPort { configuration.partnerListener.port = partnerPort }
        if let staffPort { configuration.staffListener.port = staffPort }
        if let host {
            configuration.partnerListener.host = host
            configuration.staffListener.host = host
        }
        if let certificate { configuration.tls.certificate = certificate }
        if let privateKey { configuration.tls.privateKey = privateKey }
        if let partnerCA { configuration.tls.partnerCA = partnerCA }
        if let partnerRateLimit {
            if partnerRateLimit == "off" {
                configuration.partnerRateLimit = nil
            } else if let rate = Double(partnerRateLimit), rate > 0 {
                configuration.partnerRateLimit = .init(requestsPerSecond: rate, burst: max(1, Int((2 * rate).rounded(.up))))
            } else {
                throw ValidationError("--partner-rate-limit must be a number of requests a second, or 'off'")
            }
        }
        if let metricsPort {
            if metricsPort == "off" {
                configuration.metricsListener = nil
            } else if let port = Int(metricsPort), (0...65535).contains(port) {
                configuration.metricsListener = configuration.metricsListener ?? .init()
                configuration.metricsListener?.port = port
            } else {
                throw ValidationError("--metrics-port must be a port from 0 to 65535, or 'off'")
            }
        }
        if let viewCacheMegabytes {
            guard (0...65536).contains(viewCacheMegabytes) else { throw ValidationError("--view-cache-mb must be from 0 to 65536") }
            configuration.viewCacheMegabytes = viewCacheMegabytes
        }
        return configuration
    }
}
