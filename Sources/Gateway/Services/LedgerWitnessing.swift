import AsyncHTTPClient
import Foundation
import Ledger
import Logging
import NIOCore
import NIOSSL

/// Gets the ledger's checkpoints cosigned by the configured witnesses (C2SP tlog-witness) and keeps the
/// cosignatures, so `/v1/ledger/checkpoint` and receipt proofs carry them. A witness that is down or
/// refuses is logged and shown as lagging; disclosures never wait for witnesses.
public final class LedgerWitnessing: Sendable {
    public let settings: WitnessingSettings
    let witnesses: [WitnessConnection]
    let ledger: Ledger

    public init(settings: WitnessingSettings, ledger: Ledger, logger: Logger) throws {
        self.settings = settings
        self.ledger = ledger
        witnesses = try settings.witnesses.map {
            try WitnessConnection($0, timeout: .seconds(Int64(settings.timeoutSeconds)), ledger: ledger, logger: logger)
        }
    }

    /// The checkpoint with every cosignature gathered for it, waiting at most `wait` for witnesses that
    /// have not cosigned it yet (they go on in the background).
    public func cosigned(note: String, waiting wait: Duration) async -> (note: String, cosignatures: Int) {
        guard let parsed = try? SignedNoteText(parsing: note), let checkpoint = try? Checkpoint(body: parsed.text) else { return (note, 0) }
        let lines = await withTaskGroup(of: SignedNoteText.Signature?.self) { group in
            for witness in witnesses {
                group.addTask { await witness.cosignature(for: parsed, size: checkpoint.size, waiting: wait) }
            }
            var lines: [SignedNoteText.Signature] = []
            for await line in group { if let line { lines.append(line) } }
            return lines
        }
        let ordered = witnesses.compactMap { witness in lines.first { $0.keyName == witness.endpoint.key.name } }
        return (parsed.adding(ordered).note, ordered.count)
    }

    /// How long the checkpoint signer waits for each new checkpoint's cosignatures: every witness's
    /// submission, with a 409 and a resubmission, within it.
    var signerWait: Duration { .seconds(Int64(settings.timeoutSeconds) * 3) }

    /// Each witness as the console shows it.
    public func statuses() async -> [WitnessStatus] {
        var out: [WitnessStatus] = []
        for witness in witnesses { out.append(await witness.status(treeSize: ledger.size)) }
        return out
    }
}

/// One witness as the ledger last saw it.
public struct WitnessStatus: Sendable {
    public var name: String
    public var url: String
    /// The size it last cosigned (or, after a 409, said it had); nil until it answers.
    public var cosignedSize: Int?
    public var cosignedAt: Date?
    /// Entries the tree has that the witness has not cosigned.
    public var lag: Int
    /// Why the last request failed; nil when it succeeded.
    public var problem: String?
}

/// The conversation with one witness. Submissions are one at a time, in order: each starts from the size
/// the witness last cosigned, so its consistency proof is the right one.
actor WitnessConnection {
    let endpoint: WitnessingSettings.Endpoint
    /// Trust for an https witness: the system's roots, or the endpoint's `ca`.
    let tls: TLSConfiguration
    let timeout: Duration
    let ledger: Ledger
    let logger: Logger
    private var cosignedSize: Int?
    private var cosignedAt: Date?
    /// The latest cosignature, with the checkpoint text it is for.
    private var latest: (text: String, line: SignedNoteText.Signature)?
    private var problem: String?
    private var queue: Task<Void, Never>?

    init(_ endpoint: WitnessingSettings.Endpoint, timeout: Duration, ledger: Ledger, logger: Logger) throws {
        self.endpoint = endpoint
        self.timeout = timeout
        self.ledger = ledger
        self.logger = logger
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let ca = endpoint.ca { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) }
        self.tls = tls
    }

    func status(treeSize: Int) -> WitnessStatus {
        WitnessStatus(
            name: endpoint.key.name,
            url: endpoint.url,
            cosignedSize: cosignedSize,
            cosignedAt: cosignedAt,
            lag: max(0, treeSize - (cosignedSize ?? 0)),
            problem: problem
        )
    }

    /// The witness's cosignature on this checkpoint: at once if it has one, else after submitting it,
    /// waiting at most `wait` (the submission goes on).
    func cosignature(for note: SignedNoteText, size: Int, waiting wait: Duration) async -> SignedNoteText.Signature? {
        if let latest, latest.text == note.text { return latest.line }
        let previous = queue
        let submission = Task {
            await previous?.value
            await self.submit(note, size: size)
        }
        queue = submission
        // A witness that is failing is not waited for: the request gets what there is, the submission goes on.
        let wait = problem == nil ? wait : .zero
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await submission.value }
            group.addTask { try? await Task.sleep(for: wait) }
            await group.next()
            group.cancelAll()
        }
        return latest?.text == note.text ? latest?.line : nil
    }

    private func submit(_ note: SignedNoteText, size: Int) async {
        if let latest, latest.text == note.text { return }
        defer { GatewayMetrics.witness(endpoint.key.name, lag: max(0, ledger.size - (cosignedSize ?? 0)), failing: problem != nil) }
        var old = cosignedSize ?? 0
        // A 409 names the size to start from; two are enough unless another instance races us.
        for _ in 0..<3 {
            guard old <= size else { return }  // The witness is ahead (another instance's checkpoint): nothing to add.
            let request: AddCheckpointRequest
            do {
                let proof = old > 0 && old < size ? try await ledger.consistencyProof(from: old, to: size) : []
                request = AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: note.note)
            } catch {
                return failed("no consistency proof from \(old) to \(size): \(error)")
            }
            var http = HTTPClientRequest(url: endpoint.url.trimmingSuffix("/") + "/add-checkpoint")
            http.method = .POST
            http.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            http.body = .bytes(ByteBuffer(string: request.body))
            http.tlsConfiguration = tls
            let status: UInt
            let body: String
            do {
                let response = try await HTTPClient.shared.execute(http, timeout: .seconds(timeout.components.seconds))
                status = response.status.code
                body = String(buffer: try await response.body.collect(upTo: 64 << 10))
            } catch {
                return failed("unreachable: \(error)")
            }
            switch status {
            case 200:
                let lines = body.split(separator: "\n").compactMap { try? SignedNoteText.Signature(line: $0) }
                // `verified` finds only a line with the witness's name and key id.
                let verified = lines.first { line in (try? Cosignature.verified(note.adding([line]), by: endpoint.key)) != nil }
                guard let verified else { return failed("answered 200 without a cosignature that verifies with its key") }
                latest = (note.text, verified)
                cosignedSize = size
                cosignedAt = Date()
                recovered()
                return
            case 409:
                guard let theirs = Int(body.trimmingCharacters(in: .whitespacesAndNewlines)) else { return failed("answered 409 without its size") }
                cosignedSize = theirs
                old = theirs
            default:
                let why = body.split(separator: "\n").first.map(String.init) ?? ""
                return failed("refused the checkpoint of size \(size) (HTTP \(status)): \(why)")
            }
        }
        failed("the size it last cosigned kept changing (another writer?)")
    }

    private func failed(_ why: String) {
        if problem == nil {
            logger.warning("witness not cosigning", metadata: ["witness": .string(endpoint.key.name), "reason": .string(why)])
        }
        problem = why
    }

    private func recovered() {
        if problem != nil { logger.notice("witness cosigning again", metadata: ["witness": .string(endpoint.key.name)]) }
        problem = nil
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
