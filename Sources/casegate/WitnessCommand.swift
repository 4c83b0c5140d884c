import ArgumentParser
import Foundation
import Gateway
import Ledger
import Logging
import NIOCore
import Witness

struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Run a C2SP tlog-witness: cosign a log's checkpoints only when consistent with the last it cosigned.",
        subcommands: [Serve.self, Key.self, PublicKey.self]
    )

    struct KeyOptions: ParsableArguments {
        @Option(help: "The witness's Ed25519 key file (32 raw bytes, mode 0600; made by 'witness key').") var key: String
        @Option(help: "The witness's name, a schema-less URL (e.g. witness.example.org/w1): its cosignatures' key name.") var name: String

        func load() throws -> WitnessSigningKey {
            try WitnessSigningKey.load(from: URL(fileURLWithPath: key), name: name)
        }
    }

    struct Key: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new witness key file (mode 0600) and print its C2SP verifier key, for logs and partners to hold."
        )
        @OptionGroup var options: KeyOptions

        func run() throws {
            let url = URL(fileURLWithPath: options.key)
            guard !FileManager.default.fileExists(atPath: url.path) else {
                throw ValidationError("\(options.key) exists already; a witness key is made once (move it away to make another)")
            }
            print(try WitnessSigningKey.loadOrCreate(at: url, name: options.name).publicKey.verifierKey)
        }
    }

    struct PublicKey: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "public-key", abstract: "Print the witness's C2SP verifier key.")
        @OptionGroup var options: KeyOptions

        func run() throws {
            print(try options.load().publicKey.verifierKey)
        }
    }

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve POST /add-checkpoint and GET /<origin hash>/checkpoint for the logs given.",
            discussion: """
                Each --log is a log's C2SP verifier key (its origin is the key's name, as for casegate's ledger: \
                casegate ledger public-key), or ORIGIN=VKEY; repeat it for several logs, or for a log's rotated keys. \
                The state (the last checkpoint cosigned for each log, and refused checkpoints kept as evidence) is in \
                the SQLite file --state. Plain HTTP unless --certificate and --private-key are given.
                """
        )
        @OptionGroup var options: KeyOptions
        @Option(name: .customLong("log"), help: "A log to witness: VKEY or ORIGIN=VKEY (repeatable).") var logs: [String]
        @Option(help: "The witness's state database.") var state: String
        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "Port to listen on (0: any free port, printed at start).") var port = 7380
        @Option(help: "Serve HTTPS with this certificate chain (PEM).") var certificate: String?
        @Option(help: "The certificate's private key (PEM).") var privateKey: String?

        func validate() throws {
            guard !logs.isEmpty else { throw ValidationError("give at least one --log to witness") }
            guard (certificate == nil) == (privateKey == nil) else { throw ValidationError("give both --certificate and --private-key, or neither") }
        }

        func run() async throws {
            let logger = try startLogging()
            var keys = WitnessedLogKeys()
            for log in logs {
                do { try keys.add(log) } catch { throw ValidationError("--log \(log): \(error)") }
            }
            let key = try options.load()
            let witness = Witness(key: key, logs: keys, store: try WitnessStateStore(path: state))
            let tls = try certificate.map { try TLSSetup.server(certificate: $0, privateKey: privateKey!) }
            let scheme = tls == nil ? "http" : "https"
            let origins = keys.keysByOrigin.keys.sorted().joined(separator: ", ")
            let app = try WitnessServer.application(witness: witness, host: host, port: port, tls: tls, logger: logger) { channel in
                let port = channel.localAddress?.port ?? 0
                print("witness \(key.name) listening on \(scheme)://\(host):\(port) for \(origins)")
                print("verifier key: \(key.publicKey.verifierKey)")
                fflush(nil)
            }
            try await app.runService()
        }
    }
}
