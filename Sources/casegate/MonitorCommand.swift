import ArgumentParser
import Foundation
import Ledger
import LoadTest
import Monitor

/// What a partner runs on a schedule to hold the council's ledger to account.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract:
            "Check the gateway's ledger as a partner: checkpoints signed, witnessed and consistent run to run; every entry naming you against the receipts you kept.",
        discussion: """
            Keeps the last checkpoint it verified in --state. Each run checks the newest checkpoint's signature \
            (--public-key: the ledger's keys, from GET /v1/ledger/public-key or the council) and at least --quorum \
            cosignatures by the --witness-key witnesses, then that it is consistent with the last one verified: a \
            fork (another root for a size, or no consistency proof) or a rollback fails, with both checkpoints kept \
            in the state file. Then every entry naming this partner since the last run is checked to be in the log, \
            and each disclosure against --receipts (the receipts your client recorded, one JSON object a line: \
            casegate loadtest --record-receipts writes them). Exit codes: 0 all well; 1 the log misbehaved (fork, \
            rollback, bad signature, too few cosignatures, an entry or receipt that does not match); 2 disclosures \
            under your certificates that you did not request; 3 the check could not be completed.
            """
    )

    @Option(help: "The gateway's partner listener, e.g. https://casegate.example.gov.uk:8443.") var url: String
    @Option(help: "The monitor's state database (made on first run).") var state: String
    @Option(help: "The ledger's keys: one C2SP verifier key a line, each with the first size it signs.") var publicKey: String
    @Option(name: .customLong("witness-key"), help: "A witness's C2SP verifier key, or a file of them (repeatable).") var witnessKeys: [String] = []
    @Option(help: "Cosignatures required (default: every witness given).") var quorum: Int?
    @Option(help: "Receipts your client recorded (JSON lines); without it disclosures are listed, not judged.") var receipts: String?
    @Option(help: "Client certificate (PEM).") var certificate: String
    @Option(help: "Client private key (PEM).") var privateKey: String
    @Option(help: "CA certificate the gateway's certificate chains to (PEM).") var serverCA: String
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() async throws {
        let logKeys: LedgerKeyHistory
        let witnesses: [WitnessPublicKey]
        let receiptLines: [Int: String]?
        do {
            logKeys = try LedgerKeyHistory(text: String(contentsOfFile: publicKey, encoding: .utf8))
            witnesses = try witnessKeys.flatMap { try Self.witnessKeys($0) }
            receiptLines = try receipts.map { try ReceiptLog.read(path: $0) }
        } catch {
            throw ValidationError("\(error)")
        }
        let quorum = quorum ?? witnesses.count
        guard (0...witnesses.count).contains(quorum) else {
            throw ValidationError("--quorum must be from 0 to the \(witnesses.count) witness keys given")
        }
        let monitorState = try MonitorState(path: state)
        let report = try await PartnerClient(
            baseURL: url,
            credentials: PartnerCredentials(certificate: certificate, privateKey: privateKey, serverCA: serverCA),
            connections: 1
        ).closing { client in
            await LogMonitor(
                log: GatewayLog(client: client),
                state: monitorState,
                logKeys: logKeys,
                witnesses: WitnessPolicy(witnesses: witnesses, quorum: quorum),
                receipts: receiptLines
            ).run()
        }
        print(json ? report.json : report.text)
        if report.status != .ok { throw ExitCode(report.status.exitCode) }
    }

    /// A verifier key given inline, or a file of them, one a line.
    static func witnessKeys(_ text: String) throws -> [WitnessPublicKey] {
        let content = FileManager.default.fileExists(atPath: text) ? try String(contentsOfFile: text, encoding: .utf8) : text
        return try content.split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map {
            try WitnessPublicKey(verifierKey: String($0))
        }
    }
}
