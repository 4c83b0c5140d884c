import ByteEncoding
import Foundation
import Ledger

/// One run of a partner's monitor: checks that the gateway's newest checkpoint is signed, cosigned by a
/// quorum of witnesses and consistent with the last one verified (a fork or rollback fails, both checkpoints
/// kept as evidence), then checks every entry naming this partner since the last run: in the log under that
/// checkpoint, and, for disclosures, matched by a receipt the partner's own systems recorded.
public struct LogMonitor: Sendable {
    public let log: any MonitoredLog
    public let state: MonitorState
    public let logKeys: LedgerKeyHistory
    public let witnesses: WitnessPolicy
    /// The partner's recorded receipts by ledger index; nil when the partner keeps none (disclosures are
    /// then listed, not judged).
    public let receipts: [Int: String]?
    let now: @Sendable () -> Date

    public init(
        log: any MonitoredLog,
        state: MonitorState,
        logKeys: LedgerKeyHistory,
        witnesses: WitnessPolicy,
        receipts: [Int: String]?,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.log = log
        self.state = state
        self.logKeys = logKeys
        self.witnesses = witnesses
        self.receipts = receipts
        self.now = now
    }

    public func run() async -> MonitorReport {
        var report = MonitorReport()
        do {
            try await check(&report)
        } catch {
            report.fail(.unreachable, "could not complete the check: \(error)")
        }
        return report
    }

    private func check(_ report: inout MonitorReport) async throws {
        let presented = try await log.checkpoint()
        let last = try state.latest()
        report.previous = last.map { MonitorReport.Tree(size: $0.size, root: $0.root.base64EncodedString()) }
        let checkpoint: Checkpoint
        do {
            let verified = try witnesses.verify(try SignedNoteText(parsing: presented), logKeys: logKeys)
            checkpoint = verified.checkpoint
            report.cosigners = verified.cosigners.map(\.name)
        } catch {
            return try misbehaved(&report, kind: "bad-checkpoint", "the checkpoint does not verify: \(error)", last: last, presented: presented)
        }
        report.checkpoint = MonitorReport.Tree(size: checkpoint.size, root: Data(checkpoint.root).base64EncodedString())
        if let last {
            let lastRoot = Array(last.root)
            if checkpoint.size < last.size {
                return try misbehaved(
                    &report,
                    kind: "rollback",
                    "the log went back from size \(last.size) to \(checkpoint.size): entries given out before are gone",
                    last: last,
                    presented: presented
                )
            }
            if checkpoint.size == last.size, checkpoint.root != lastRoot {
                return try misbehaved(
                    &report,
                    kind: "fork",
                    "two different roots for size \(checkpoint.size): the log shows different histories",
                    last: last,
                    presented: presented
                )
            }
            if checkpoint.size > last.size, last.size > 0 {
                let proof = try await log.consistencyProof(from: last.size, to: checkpoint.size)
                guard MerkleProof.verifyConsistency(size1: last.size, size2: checkpoint.size, root1: lastRoot, root2: checkpoint.root, proof: proof)
                else {
                    return try misbehaved(
                        &report,
                        kind: "fork",
                        "size \(checkpoint.size) is not consistent with size \(last.size) verified before: the log has forked or rewritten history",
                        last: last,
                        presented: presented
                    )
                }
            }
        } else {
            report.firstRun = true
        }
        let checkedBelow = try state.checkedBelow()
        try await checkEntries(from: checkedBelow, under: checkpoint, &report)
        if report.status == .misbehaviour {
            try state.record(
                ForkEvidence(
                    foundAt: now(),
                    kind: "entry-mismatch",
                    reason: report.problems.joined(separator: "; "),
                    trusted: last?.note,
                    presented: presented
                )
            )
            return
        }
        try state.advance(
            to: VerifiedCheckpoint(size: checkpoint.size, root: Data(checkpoint.root), note: presented, verifiedAt: now()),
            checkedBelow: checkpoint.size
        )
    }

    /// Every entry naming this partner from `start` below the checkpoint's size: listed, then each shown to
    /// be in the tree, by inclusion proofs or, when that takes fewer requests, by hash tiles from which the
    /// checkpoint's root is recomputed (C2SP tlog-tiles).
    private func checkEntries(from start: Int, under checkpoint: Checkpoint, _ report: inout MonitorReport) async throws {
        var listed: [ListedEntry] = []
        pages: while true {
            let page = try await log.entries(after: listed.last?.index ?? start - 1)
            guard !page.isEmpty else { break }
            for item in page {
                guard item.index < checkpoint.size else { break pages }
                listed.append(item)
            }
        }
        let tiled = TiledLeaves.requests(from: start, size: checkpoint.size) < listed.count
        let leaves = tiled ? try await TiledLeaves.fetch(from: start, under: checkpoint, log) : nil
        if tiled, leaves == nil {
            report.fail(.misbehaviour, "the hash tiles from \(start) do not lead to the checkpoint's root")
            return
        }
        for item in listed {
            report.entriesChecked += 1
            let leaf = MerkleHash.leaf(item.bytes)
            guard leaf.hexString == item.entryHash.lowercased(), let entry = try? LedgerEntry.decode(item.bytes), entry.index == item.index else {
                report.fail(.misbehaviour, "entry \(item.index) as listed does not hash to its hash, or is not that entry")
                continue
            }
            let included: Bool
            if let leaves {
                included = leaves[item.index - start] == leaf
            } else {
                let proof = try await log.inclusionProof(index: item.index, size: checkpoint.size)
                included = MerkleProof.verifyInclusion(leafHash: leaf, index: item.index, size: checkpoint.size, proof: proof, root: checkpoint.root)
            }
            guard included else {
                report.fail(.misbehaviour, "entry \(item.index) is not in the log under the verified checkpoint")
                continue
            }
            guard entry.action == .disclosure else { continue }
            report.disclosuresChecked += 1
            guard let receipts else { continue }
            switch receipts[item.index] {
            case nil:
                report.unrequested.append(MonitorReport.Disclosure(entry))
            case leaf.hexString:
                break
            case let other?:
                report.fail(.misbehaviour, "entry \(item.index) has hash \(leaf.hexString) but the receipt recorded says \(other)")
            }
        }
        if let receipts {
            let indices = Set(listed.map(\.index))
            for index in receipts.keys.sorted() where index >= start && index < checkpoint.size && !indices.contains(index) {
                report.fail(.misbehaviour, "receipt \(index) was given to this partner but the log does not list it as this partner's")
            }
        }
        if !report.unrequested.isEmpty {
            report.fail(.unrequested, "\(report.unrequested.count) disclosure(s) under this partner's certificates with no receipt recorded")
        }
    }

    private func misbehaved(_ report: inout MonitorReport, kind: String, _ reason: String, last: VerifiedCheckpoint?, presented: String) throws {
        report.fail(.misbehaviour, reason)
        report.evidence = kind
        try state.record(ForkEvidence(foundAt: now(), kind: kind, reason: reason, trusted: last?.note, presented: presented))
    }
}

/// What one run found, as JSON for schedulers (`--json`) or text.
public struct MonitorReport: Codable, Sendable {
    /// Worst first: the exit code is the status's.
    public enum Status: String, Codable, Sendable, Comparable {
        case ok, unrequested, misbehaviour, unreachable

        public var exitCode: Int32 {
            switch self {
            case .ok: 0
            case .misbehaviour: 1
            case .unrequested: 2
            case .unreachable: 3
            }
        }

        var severity: Int { [.ok: 0, .unrequested: 1, .unreachable: 2, .misbehaviour: 3][self]! }
        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.severity < rhs.severity }
    }

    public struct Tree: Codable, Sendable, Equatable {
        public var size: Int
        public var root: String
    }

    /// A disclosure to this partner that no recorded receipt matches.
    public struct Disclosure: Codable, Sendable, Equatable {
        public var index: Int
        public var time: String
        public var purpose: String?
        public var certificateFingerprint: String?
        public var cases: Int

        init(_ entry: LedgerEntry) {
            index = entry.index
            time = entry.time
            purpose = entry.purpose
            certificateFingerprint = entry.actor.certificateFingerprint
            cases = entry.caseIDs.count
        }

        enum CodingKeys: String, CodingKey {
            case index, time, purpose, cases
            case certificateFingerprint = "certificate_fingerprint"
        }
    }

    public var status: Status = .ok
    public var firstRun = false
    public var checkpoint: Tree?
    public var previous: Tree?
    public var cosigners: [String] = []
    public var entriesChecked = 0
    public var disclosuresChecked = 0
    public var unrequested: [Disclosure] = []
    public var problems: [String] = []
    /// The kind of evidence kept in the state file, when the log misbehaved.
    public var evidence: String?

    mutating func fail(_ status: Status, _ problem: String) {
        self.status = max(self.status, status)
        problems.append(problem)
    }

    enum CodingKeys: String, CodingKey {
        case status, checkpoint, previous, cosigners, unrequested, problems, evidence
        case firstRun = "first_run"
        case entriesChecked = "entries_checked"
        case disclosuresChecked = "disclosures_checked"
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    public var text: String {
        var lines: [String] = []
        if let checkpoint {
            lines.append("checkpoint: size \(checkpoint.size), cosigned by \(cosigners.isEmpty ? "no witness" : cosigners.joined(separator: ", "))")
        }
        if let previous {
            lines.append("previously verified: size \(previous.size)")
        } else if firstRun {
            lines.append("first run: this checkpoint is trusted from now on")
        }
        lines.append("entries naming this partner checked: \(entriesChecked) (\(disclosuresChecked) disclosures)")
        for d in unrequested.prefix(20) {
            lines.append(
                "UNREQUESTED disclosure at index \(d.index), \(d.time), purpose \(d.purpose ?? "-"), certificate \(d.certificateFingerprint ?? "-"), \(d.cases) case(s)"
            )
        }
        if unrequested.count > 20 { lines.append("… and \(unrequested.count - 20) more (--json lists them all)") }
        for problem in problems { lines.append("PROBLEM: \(problem)") }
        if let evidence { lines.append("evidence kept in the state file (\(evidence)): both checkpoints") }
        lines.append("status: \(status.rawValue)")
        return lines.joined(separator: "\n")
    }
}
