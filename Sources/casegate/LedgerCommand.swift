import ArgumentParser
import Foundation
import Gateway
import Ledger
import Storage

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Verify, prove, checkpoint and export the audit ledger.",
        subcommands: [Verify.self, Proof.self, CheckpointCommand.self, Export.self, VerifyReceipt.self, PublicKey.self, RotateKey.self]
    )

    struct Options: ParsableArguments {
        @OptionGroup var storage: StorageOptions
        @Option(help: "The ledger origin (the configuration's ledger_origin).") var origin = GatewayConfiguration().ledgerOrigin

        func open() async throws -> Ledger {
            try await openWithKeys().ledger
        }

        /// The ledger and every key that has signed it.
        func openWithKeys() async throws -> (ledger: Ledger, keys: LedgerKeyHistory) {
            let backend = try await storage.open()
            let key = try await LedgerKeySetup.open(dataDirectory: storage.dataDir, origin: origin, storage: backend)
            return (
                try await Ledger.open(store: backend.ledger, key: key, origin: origin, checkpointLog: CheckpointLog.inDataDirectory(storage.dataDir)),
                try await LedgerKeySetup.history(storage: backend, current: key)
            )
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the whole tree from the stored entries and check every stored checkpoint; exit 1 on any discrepancy."
        )
        @OptionGroup var options: Options

        func run() async throws {
            let (ledger, keys) = try await options.openWithKeys()
            let started = ContinuousClock.now
            let report = try await LedgerVerifier(store: ledger.store, keys: keys, origin: options.origin).verify()
            let elapsed = ContinuousClock.now - started
            if let problem = report.problem {
                print("FAILED at index \(problem.index): \(problem.reason)")
                print("(\(report.entries) entries read before the failure)")
                throw ExitCode.failure
            }
            print(
                "ok: \(report.entries) entries, \(report.checkpoints) signed checkpoints, root \(Data(report.root).base64EncodedString()), in \(elapsed)"
            )
        }
    }

    struct Proof: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an inclusion proof (JSON) for an entry.")
        @OptionGroup var options: Options
        @Option(help: "The entry's index.") var index: Int
        @Option(help: "The tree size to prove against (default: the current size).") var size: Int?

        func run() async throws {
            let ledger = try await options.open()
            let size = size ?? ledger.size
            let proof = try await ledger.inclusionProof(index: index, size: size)
            let object: [String: Any] = [
                "index": index, "size": size, "root": Data(try await ledger.root(size: size)).base64EncodedString(),
                "proof": proof.map { Data($0).base64EncodedString() },
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        }
    }

    struct CheckpointCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Sign (if needed) and print the latest checkpoint.")
        @OptionGroup var options: Options

        func run() async throws {
            print(try await options.open().checkpoint().note, terminator: "")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export entries as JSON lines (exact bytes) or CSV.")
        @OptionGroup var options: Options
        @Option(help: "From this day or RFC 3339 time.") var from: String?
        @Option(help: "Up to this day or RFC 3339 time.") var to: String?
        @Option(help: "Only entries disclosing to this partner.") var partner: String?
        @Option(help: "jsonl or csv.") var format = "jsonl"

        func run() async throws {
            guard ["jsonl", "csv"].contains(format) else { throw ValidationError("--format must be jsonl or csv") }
            let ledger = try await options.open()
            var query = LedgerQuery(recipient: partner, from: try bound(from, endOfDay: false), to: try bound(to, endOfDay: true), limit: 10_000)
            if format == "csv" { print(LedgerCSV.header) }
            while true {
                let page = try await ledger.store.query(query)
                if format == "jsonl" {
                    for entry in page { print(String(decoding: entry.bytes, as: UTF8.self)) }
                } else {
                    print(try LedgerCSV.render(page).split(separator: "\r\n").dropFirst().joined(separator: "\n"))
                }
                guard page.count == query.limit, let last = page.last else { break }
                query.after = last.index
            }
        }

        private func bound(_ text: String?, endOfDay: Bool) throws -> String? {
            guard let text else { return nil }
            guard let bound = LedgerEntry.bound(text, endOfDay: endOfDay) else { throw ValidationError("'\(text)' is not a date or RFC 3339 time") }
            return bound
        }
    }

    struct VerifyReceipt: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-receipt",
            abstract: "Check offline that an entry is in the ledger, with nothing but the ledger's and the witnesses' public keys.",
            discussion: """
                With --receipt: the C2SP tlog proof from GET /v1/ledger/proofs/receipt?index=N (entry, inclusion proof and \
                cosigned checkpoint in one file); checks the log signature, at least --quorum cosignatures by the \
                --witness-key witnesses, and the inclusion; --entry-hash (the Casegate-Entry-Hash of the response) and \
                --body (the response body received) tie it to your receipt. Without it: --checkpoint (GET \
                /v1/ledger/checkpoint), --proof (the JSON of GET /v1/ledger/proofs/inclusion?index=N&size=S, S the \
                checkpoint's size) and --entry (GET /v1/ledger/entries/N). --public-key: the ledger's keys (casegate \
                ledger public-key).
                """
        )
        @Option(help: "A receipt proof (C2SP tlog-proof) from /v1/ledger/proofs/receipt.") var receipt: String?
        @Option(name: .customLong("witness-key"), help: "A witness's C2SP verifier key, or a file of them (repeatable).") var witnessKeys: [String] =
            []
        @Option(help: "Cosignatures required (default: every witness given).") var quorum: Int?
        @Option(help: "The receipt's Casegate-Entry-Hash, to check the proof is for it.") var entryHash: String?
        @Option(help: "The response body received, to check the entry records it.") var body: String?
        @Option var checkpoint: String?
        @Option var proof: String?
        @Option var entry: String?
        @Option var publicKey: String

        func validate() throws {
            if receipt == nil, checkpoint == nil || proof == nil || entry == nil {
                throw ValidationError("give --receipt, or all of --checkpoint, --proof and --entry")
            }
        }

        func run() throws {
            let keys = try String(contentsOfFile: publicKey, encoding: .utf8)
            if let receipt {
                let witnesses = try witnessKeys.flatMap { try MonitorCommand.witnessKeys($0) }
                let quorum = quorum ?? witnesses.count
                guard (0...witnesses.count).contains(quorum) else {
                    throw ValidationError("--quorum must be from 0 to the \(witnesses.count) witness keys given")
                }
                let result = try ReceiptVerification.verify(
                    tlogProof: String(contentsOfFile: receipt, encoding: .utf8),
                    logKeys: try LedgerKeyHistory(text: keys),
                    witnesses: WitnessPolicy(witnesses: witnesses, quorum: quorum),
                    entryHash: entryHash,
                    responseBody: try body.map { Array(try Data(contentsOf: URL(fileURLWithPath: $0))) }
                )
                let cosigners = result.cosigners.map(\.name).joined(separator: ", ")
                print(
                    "ok: entry \(result.index) (leaf \(result.leafHash)) is in the log of size \(result.size) signed by \(result.keyName)"
                        + (cosigners.isEmpty ? "" : ", cosigned by \(cosigners)")
                )
                return
            }
            let result = try ReceiptVerification.verify(
                checkpoint: String(contentsOfFile: checkpoint!, encoding: .utf8),
                proof: Data(contentsOf: URL(fileURLWithPath: proof!)),
                entry: Array(Data(contentsOf: URL(fileURLWithPath: entry!))),
                verifierKey: keys
            )
            print("ok: entry \(result.index) (leaf \(result.leafHash)) is in the log of size \(result.size) signed by \(result.keyName)")
        }
    }

    struct PublicKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key",
            abstract: "Print every checkpoint verifier key, each with the first tree size it signs, to give to partners."
        )
        @OptionGroup var options: Options

        func run() async throws {
            print(try await options.openWithKeys().keys.text, terminator: "")
        }
    }
}

extension LedgerCommand {
    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Replace the ledger signing key; stop every gateway on the store first.",
            discussion: """
                Appends a key-rotation entry naming the old and new keys, signs a last checkpoint with the old key, \
                then switches the store to the new key, which signs every later checkpoint. Verifiers check each \
                checkpoint with the key in force at its size (casegate ledger public-key lists them). Safe to run \
                again after a crash.
                """
        )
        @OptionGroup var options: Options

        func run() async throws {
            let backend = try await options.storage.open()
            let rotated: LedgerKeyRotation.Rotated
            do {
                rotated = try await LedgerKeyRotation.rotate(
                    dataDirectory: options.storage.dataDir,
                    origin: options.origin,
                    storage: backend,
                    actor: cliActor
                )
            } catch let error as LedgerKeyRotationError {
                throw ValidationError(error.description)
            }
            print("rotated at entry \(rotated.entry): \(rotated.new.verifierKey) signs from size \(rotated.fromSize)")
            print("give partners the key list (casegate ledger public-key):")
            print(rotated.history.text, terminator: "")
            await backend.close()
        }
    }
}
