import ByteEncoding
import Foundation
import Ledger
import Monitor
import Synchronization
import Testing

@Suite("Partner monitor: forks, rollbacks, quorum, and the partner's entries against its receipts")
struct LogMonitorTests {
    static let logKey = LedgerSigningKey(name: "casegate.test/ledger", privateKey: .init())
    static let witness = WitnessSigningKey(name: "witness.test/w1", privateKey: .init())
    static let partner = "met-police"

    /// A gateway's ledger as the monitor reads it, in memory, cosigned by the test's witness.
    final class FakeLog: MonitoredLog {
        let ledger: Ledger
        let cosign: Bool
        /// Counts of requests by kind, and an optional tile tamperer.
        let requests = Mutex<[String: Int]>([:])
        let tamperTiles: Bool

        init(cosign: Bool = true, tamperTiles: Bool = false) async throws {
            ledger = try await Ledger.open(store: MemoryLedgerStore(), key: LogMonitorTests.logKey, origin: LogMonitorTests.logKey.name)
            self.cosign = cosign
            self.tamperTiles = tamperTiles
        }

        /// Appends `count` entries: disclosures to the partner, every third one to another partner. The
        /// partner's receipts, by index.
        @discardableResult
        func disclose(_ count: Int, salt: String = "") async throws -> [Int: String] {
            let drafts = (0..<count).map { n in
                let recipient = n % 3 == 2 ? "probation" : LogMonitorTests.partner
                return LedgerDraft(
                    actor: LedgerActor(kind: .partner, id: recipient, certificateFingerprint: String(repeating: "a", count: 64)),
                    recipient: recipient,
                    action: .disclosure,
                    caseIDs: [UUID().uuidString],
                    purpose: "asb-case-coordination",
                    responseSHA256: "\(n)\(salt)"
                )
            }
            let receipts = try await ledger.append(drafts)
            return Dictionary(
                uniqueKeysWithValues: zip(drafts, receipts).filter { $0.0.recipient == LogMonitorTests.partner }.map {
                    ($0.1.index, $0.1.entryHash.hexString)
                }
            )
        }

        func count(_ kind: String) -> Int { requests.withLock { $0[kind] ?? 0 } }
        private func note(_ kind: String) { requests.withLock { $0[kind, default: 0] += 1 } }

        func checkpoint() async throws -> String {
            note("checkpoint")
            let text = try SignedNoteText(parsing: try await ledger.checkpoint().note)
            guard cosign else { return text.note }
            return text.adding([try Cosignature.sign(checkpointText: text.text, with: LogMonitorTests.witness, timestamp: 1)]).note
        }

        func consistencyProof(from: Int, to: Int) async throws -> [[UInt8]] {
            note("consistency")
            return try await ledger.consistencyProof(from: from, to: to)
        }

        func inclusionProof(index: Int, size: Int) async throws -> [[UInt8]] {
            note("inclusion")
            return try await ledger.inclusionProof(index: index, size: size)
        }

        func entries(after: Int) async throws -> [ListedEntry] {
            note("entries")
            return try await ledger.store.query(LedgerQuery(recipient: LogMonitorTests.partner, after: after, limit: 100)).map {
                ListedEntry(index: $0.index, entryHash: $0.leafHash.hexString, bytes: $0.bytes)
            }
        }

        func tile(_ path: HashTilePath) async throws -> [UInt8] {
            note("tile")
            var bytes = try #require(try await ledger.hashTile(path))
            if tamperTiles, path.level == 0 { bytes[0] ^= 1 }
            return bytes
        }
    }

    func monitor(_ log: FakeLog, _ state: MonitorState, receipts: [Int: String]?, quorum: Int = 1) -> LogMonitor {
        LogMonitor(
            log: log,
            state: state,
            logKeys: LedgerKeyHistory(Self.logKey.publicKey),
            witnesses: WitnessPolicy(witnesses: [Self.witness.publicKey], quorum: quorum),
            receipts: receipts
        )
    }

    /// A state of its own in memory: nothing left behind in the temporary directory.
    func freshState() throws -> MonitorState {
        try MonitorState(path: ":memory:")
    }

    @Test("runs over a growing log pass: the first trusts, later ones check consistency and only the new entries")
    func growingLog() async throws {
        let log = try await FakeLog()
        let state = try freshState()
        var receipts = try await log.disclose(6)
        let first = await monitor(log, state, receipts: receipts).run()
        #expect(first.status == .ok, "\(first.problems)")
        #expect(first.firstRun)
        #expect(first.disclosuresChecked == 4)
        receipts.merge(try await log.disclose(6)) { $1 }
        let second = await monitor(log, state, receipts: receipts).run()
        #expect(second.status == .ok, "\(second.problems)")
        #expect(second.previous?.size == 6)
        #expect(second.checkpoint?.size == 12)
        #expect(second.disclosuresChecked == 4)
        #expect(log.count("consistency") == 1)
        #expect(try state.checkedBelow() == 12)
    }

    @Test("another history under the same key (a fork) fails with exit 1, both checkpoints kept, and nothing advances")
    func forkIsFlagged() async throws {
        let state = try freshState()
        let shown = try await FakeLog()
        _ = try await shown.disclose(6)
        #expect(await monitor(shown, state, receipts: nil).run().status == .ok)
        let other = try await FakeLog()
        _ = try await other.disclose(9, salt: "other")
        let report = await monitor(other, state, receipts: nil).run()
        #expect(report.status == .misbehaviour)
        #expect(report.status.exitCode == 1)
        #expect(report.evidence == "fork")
        let evidence = try #require(try state.evidence().last)
        #expect(evidence.kind == "fork")
        #expect(try Checkpoint(body: SignedNoteText(parsing: try #require(evidence.trusted)).text).size == 6)
        #expect(try Checkpoint(body: SignedNoteText(parsing: evidence.presented).text).size == 9)
        #expect(try state.latest()?.size == 6)
        // The same size with another root is a fork too.
        let sameSize = try await FakeLog()
        _ = try await sameSize.disclose(6, salt: "same")
        #expect(await monitor(sameSize, state, receipts: nil).run().evidence == "fork")
    }

    @Test("a log shown smaller than before (a rollback) fails")
    func rollbackIsFlagged() async throws {
        let state = try freshState()
        let log = try await FakeLog()
        _ = try await log.disclose(8)
        #expect(await monitor(log, state, receipts: nil).run().status == .ok)
        let shorter = try await FakeLog()
        _ = try await shorter.disclose(5)
        let report = await monitor(shorter, state, receipts: nil).run()
        #expect(report.status == .misbehaviour)
        #expect(report.evidence == "rollback")
    }

    @Test("a checkpoint short of the witness quorum fails and is not trusted")
    func quorumMissing() async throws {
        let state = try freshState()
        let log = try await FakeLog(cosign: false)
        _ = try await log.disclose(3)
        let report = await monitor(log, state, receipts: nil).run()
        #expect(report.status == .misbehaviour)
        #expect(report.evidence == "bad-checkpoint")
        #expect(try state.latest() == nil)
    }

    @Test("a disclosure with no receipt recorded is reported (exit 2) with its certificate; a receipt that differs is exit 1")
    func unrequestedDisclosures() async throws {
        let log = try await FakeLog()
        var receipts = try await log.disclose(6)
        let unasked = try #require(receipts.keys.max())
        receipts[unasked] = nil
        let report = await monitor(log, try freshState(), receipts: receipts).run()
        #expect(report.status == .unrequested)
        #expect(report.status.exitCode == 2)
        #expect(report.unrequested.map(\.index) == [unasked])
        #expect(report.unrequested.first?.certificateFingerprint == String(repeating: "a", count: 64))
        let json = try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any]
        #expect(json?["status"] as? String == "unrequested")

        receipts[unasked] = String(repeating: "0", count: 64)
        let mismatch = await monitor(log, try freshState(), receipts: receipts).run()
        #expect(mismatch.status == .misbehaviour)
        // A receipt for an entry the log lists as someone else's.
        var stray = try await log.disclose(0)
        stray[2] = String(repeating: "1", count: 64)
        #expect(await monitor(log, try freshState(), receipts: stray).run().problems.contains { $0.contains("receipt 2") })
    }

    @Test("many entries are shown in the tree by hash tiles (fewer requests than proofs); a tampered tile fails")
    func entriesByTiles() async throws {
        let log = try await FakeLog()
        let receipts = try await log.disclose(600)
        let report = await monitor(log, try freshState(), receipts: receipts).run()
        #expect(report.status == .ok, "\(report.problems)")
        #expect(report.disclosuresChecked == 400)
        #expect(log.count("inclusion") == 0)
        #expect(log.count("tile") == 3)

        let tampered = try await FakeLog(tamperTiles: true)
        _ = try await tampered.disclose(600)
        let failed = await monitor(tampered, try freshState(), receipts: nil).run()
        #expect(failed.status == .misbehaviour)
        #expect(failed.problems.contains { $0.contains("hash tiles") })
    }
}
