import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…` address, parsed once
/// into the settings PostgresNIO's pool and single connections take.
public struct PostgresURL: Sendable, CustomStringConvertible {
    public enum SSLMode: String, Sendable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notAPostgresURL
        case missing(String)
        case badSSLMode(String)

        public var description: String {
            switch self {
            case .notAPostgresURL: "a database URL must look like postgres://user[:password]@host[:port]/database"
            case .missing(let part): "the database URL has no \(part)"
            case .badSSLMode(let mode): "sslmode=\(mode) is not one of disable, prefer, require"
            }
        }
    }

    /// Whether both name one database on one server.
    public func sameDatabase(as other: PostgresURL) -> Bool {
        host.lowercased() == other.host.lowercased() && port == other.port && database == other.database
    }

    public init(_ text: String) throws(ParseError) {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? "") else { throw .notAPostgresURL }
        guard let host = url.host, !host.isEmpty else { throw .missing("host") }
        guard let user = url.user, !user.isEmpty else { throw .missing("user name") }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw .missing("database name") }
        self.host = host
        self.port = url.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = url.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
        let mode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard let sslMode = SSLMode(rawValue: mode) else { throw .badSSLMode(mode) }
        self.sslMode = sslMode
    }

    /// Host, port and database: never the password.
    public var description: String { "PostgreSQL \(database) at \(host):\(port)" }

    func clientConfiguration() throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = 32
        configuration.options.minimumConnections = 2
        return configuration
    }

    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        return PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
