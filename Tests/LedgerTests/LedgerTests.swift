import Crypto
import Foundation
import Ledger
import Testing

@Suite("Ledger: group commit, checkpoints, verification")
struct LedgerTests {
    static let key = LedgerSigningKey(name: "casegate.test/ledger", privateKey: .init())

    func draft(_ n: Int, recipient: String = "met-police") -> LedgerDraft {
        LedgerDraft(
            actor: LedgerActor(kind: .partner, id: recipient, certificateFingerprint: String(repeating: "a", count: 64)),
            recipient: recipient,
            action: .disclosure,
            caseIDs: [UUID().uuidString],
            purpose: "p",
            lawfulBasis: "UK GDPR Art 6(1)(e)",
            policyVersion: "sha256:00",
            fields: [DisclosedField(path: "reference", rule: "share")],
            responseSHA256: "\(n)",
            requestID: "r\(n)"
        )
    }

    @Test("concurrent appends get distinct, consecutive indices and share commits")
    func groupCommit() async throws {
        let store = MemoryLedgerStore()
        let ledger = try await Ledger.open(store: store, key: Self.key, origin: "casegate.test/ledger")
        let receipts = try await withThrowingTaskGroup(of: LedgerReceipt.self) { group in
            for n in 0..<500 { group.addTask { try await ledger.append(draft(n)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(receipts.map(\.index)) == Set(0..<500))
        #expect(ledger.size == 500)
        #expect(store.state.withLock { $0.appendCalls } < 500, "appends should be batched into fewer transactions")
        for receipt in receipts {
            let entry = try LedgerEntry.decode(receipt.entryBytes)
            #expect(entry.index == receipt.index)
            #expect(MerkleHash.leaf(receipt.entryBytes) == receipt.entryHash)
            let proof = try await ledger.inclusionProof(index: receipt.index, size: 500)
            let root = try await ledger.root(size: 500)
            #expect(MerkleProof.verifyInclusion(leafHash: receipt.entryHash, index: receipt.index, size: 500, proof: proof, root: root))
        }
        let reopened = try await Ledger.open(store: store, key: Self.key, origin: "casegate.test/ledger")
        #expect(try await reopened.root(size: 500) == ledger.root(size: 500))
    }

    @Test("a proof that needs an earlier tile reads it from the store, and refuses one whose leaf hashes were altered there")
    func storedTiles() async throws {
        let store = MemoryLedgerStore()
        let ledger = try await Ledger.open(store: store, key: Self.key, origin: "casegate.test/ledger")
        for n in 0..<600 { _ = try await ledger.append(draft(n)) }
        // Entry 3 is in tile 0, complete since entry 255: the tree no longer holds its lower levels.
        let leaf = store.state.withLock { $0.entries[3].leafHash }
        let proof = try await ledger.inclusionProof(index: 3, size: 600)
        #expect(MerkleProof.verifyInclusion(leafHash: leaf, index: 3, size: 600, proof: proof, root: try await ledger.root(size: 600)))
        let old = try await ledger.consistencyProof(from: 300, to: 600)
        #expect(
            MerkleProof.verifyConsistency(
                size1: 300,
                size2: 600,
                root1: try await ledger.root(size: 300),
                root2: try await ledger.root(size: 600),
                proof: old
            )
        )
        store.state.withLock { state in
            let e = state.entries[10]
            state.entries[10] = StoredLedgerEntry(index: e.index, bytes: e.bytes, leafHash: [UInt8](repeating: 7, count: 32))
        }
        await #expect(throws: MerkleTree.TileMismatch(tile: 0)) { try await ledger.inclusionProof(index: 3, size: 600) }
        // Proofs that need only other tiles are unaffected.
        #expect(try await ledger.inclusionProof(index: 590, size: 600).count > 0)
    }

    @Test("opening reads the recorded tile roots and only the leaves after them, and the tree is the same")
    func opensFromTileRoots() async throws {
        let store = MemoryLedgerStore()
        let ledger = try await Ledger.open(store: store, key: Self.key, origin: "o")
        _ = try await ledger.append((0..<1000).map { draft($0) })
        // A log whose roots were never recorded (as one written before they were) is read whole once, then recorded.
        #expect(try await recordedRoots(store).isEmpty)
        _ = try await Ledger.open(store: store, key: Self.key, origin: "o")
        #expect(store.state.withLock { $0.leafHashesRead } == 1000)
        #expect(try await recordedRoots(store).count == 3)

        // Tiles 0–2 recorded: the last recorded leaf (to see the log reaches it), then leaves 768–999.
        store.state.withLock { $0.leafHashesRead = 0 }
        let reopened = try await Ledger.open(store: store, key: Self.key, origin: "o")
        #expect(store.state.withLock { $0.leafHashesRead } == 1 + 232)
        #expect(reopened.size == 1000)
        let root = try await ledger.root(size: 1000)
        #expect(try await reopened.root(size: 1000) == root)
        for index in [0, 255, 256, 700, 999] {
            let proof = try await reopened.inclusionProof(index: index, size: 1000)
            #expect(try await proof == ledger.inclusionProof(index: index, size: 1000))
            #expect(
                MerkleProof.verifyInclusion(
                    leafHash: store.state.withLock { $0.entries[index].leafHash },
                    index: index,
                    size: 1000,
                    proof: proof,
                    root: root
                )
            )
        }
        #expect(try await reopened.consistencyProof(from: 300, to: 1000) == ledger.consistencyProof(from: 300, to: 1000))

        // Appends go on from there, and each checkpoint records the tiles completed since the last.
        _ = try await reopened.append((1000..<1300).map { draft($0) })
        _ = try await reopened.checkpoint()
        #expect(try await recordedRoots(store) == MerkleTree(leafHashes: store.state.withLock { $0.entries.map(\.leafHash) }).tileRoots(from: 0))
        #expect(try await recordedRoots(store).count == 5)
    }

    /// A ledger in memory with `count` entries and a checkpoint, so the roots of its complete tiles are recorded.
    func checkpointedLedger(_ count: Int) async throws -> (MemoryLedgerStore, Ledger) {
        let store = MemoryLedgerStore()
        let ledger = try await Ledger.open(store: store, key: Self.key, origin: "o")
        _ = try await ledger.append((0..<count).map { draft($0) })
        _ = try await ledger.checkpoint()
        return (store, ledger)
    }

    func recordedRoots(_ store: MemoryLedgerStore) async throws -> [[UInt8]] {
        try await store.tileRoots(height: MerkleTree.defaultTileHeight)
    }

    @Test("recorded tile roots that reach past the last entry are forgotten: the tree is built from the entries there are")
    func tileRootsPastTheEnd() async throws {
        let (store, _) = try await checkpointedLedger(1000)
        #expect(try await recordedRoots(store).count == 3)
        store.state.withLock { $0.entries.removeLast(500) }
        let reopened = try await Ledger.open(store: store, key: Self.key, origin: "o")
        let remaining = store.state.withLock { $0.entries.map(\.leafHash) }
        #expect(reopened.size == 500)
        #expect(try await reopened.root(size: 500) == MerkleTree(leafHashes: remaining).currentRoot())
        #expect(try await recordedRoots(store) == MerkleTree(leafHashes: remaining).tileRoots(from: 0))
    }

    @Test("reopened from recorded roots, a proof through a tile whose stored leaf hashes were altered since is refused")
    func alteredLeavesAfterRecording() async throws {
        let (store, ledger) = try await checkpointedLedger(600)
        let root = try await ledger.root(size: 600)
        store.state.withLock { state in
            let e = state.entries[10]
            state.entries[10] = StoredLedgerEntry(index: e.index, bytes: e.bytes, leafHash: [UInt8](repeating: 7, count: 32))
        }
        let reopened = try await Ledger.open(store: store, key: Self.key, origin: "o")
        #expect(try await reopened.root(size: 600) == root, "the tree is the one the signed checkpoints cover")
        await #expect(throws: MerkleTree.TileMismatch(tile: 0)) { try await reopened.inclusionProof(index: 3, size: 600) }
        #expect(try await reopened.inclusionProof(index: 590, size: 600) == ledger.inclusionProof(index: 590, size: 600))
    }

    @Test("a failed append throws to every caller in the batch and leaves the tree unchanged")
    func failedAppend() async throws {
        let store = MemoryLedgerStore()
        let ledger = try await Ledger.open(store: store, key: Self.key, origin: "o")
        _ = try await ledger.append(draft(0))
        store.state.withLock { $0.failAppends = true }
        await #expect(throws: (any Error).self) { _ = try await ledger.append(draft(1)) }
        #expect(ledger.size == 1)
        store.state.withLock { $0.failAppends = false }
        #expect(try await ledger.append(draft(2)).index == 1)
    }

    @Test("entries encode canonically, without personal data fields")
    func canonicalEncoding() throws {
        let entry = LedgerDraft(
            actor: LedgerActor(kind: .staff, id: "u01", role: "caseworker"),
            action: .collection,
            caseIDs: ["C1"],
            requestID: "r/1"
        ).entry(index: 7, time: ISO8601DateFormatter().date(from: "2026-11-25T10:00:00Z")!)
        let text = String(decoding: try entry.canonicalBytes(), as: UTF8.self)
        #expect(
            text
                == #"{"action":"collection","actor":{"id":"u01","kind":"staff","role":"caseworker"},"case_ids":["C1"],"index":7,"request_id":"r/1","time":"2026-11-25T10:00:00.000Z","v":1}"#
        )
        #expect(try LedgerEntry.decode(entry.canonicalBytes()) == entry)
    }

    @Test("checkpoints are C2SP signed notes that verify with the public key alone")
    func checkpoints() async throws {
        let store = MemoryLedgerStore()
        let ledger = try await Ledger.open(store: store, key: Self.key, origin: "casegate.test/ledger")
        for n in 0..<5 { _ = try await ledger.append(draft(n)) }
        let (size, note) = try await ledger.checkpoint()
        #expect(size == 5)
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "casegate.test/ledger" && lines[1] == "5" && lines[3] == "")
        #expect(lines[4].hasPrefix("\u{2014} casegate.test/ledger "))
        let publicKey = try LedgerPublicKey(verifierKey: Self.key.publicKey.verifierKey)
        let checkpoint = try Checkpoint.verify(note: note, publicKey: publicKey)
        #expect(try await checkpoint.root == ledger.root(size: 5))
        #expect(try await ledger.checkpoint().note == note, "no new entries: the same checkpoint")

        let forged = note.replacingOccurrences(of: "\n5\n", with: "\n4\n")
        #expect(throws: CheckpointError.badSignature) { try Checkpoint.verify(note: forged, publicKey: publicKey) }
        let other = LedgerSigningKey(name: "casegate.test/ledger", privateKey: .init()).publicKey
        #expect(throws: CheckpointError.self) { try Checkpoint.verify(note: note, publicKey: other) }
        #expect(throws: CheckpointError.self) { try LedgerPublicKey(verifierKey: "nonsense") }
    }

    func tamperedStore(_ tamper: (inout MemoryLedgerStore.State) -> Void) async throws -> LedgerVerifier.Report {
        let store = MemoryLedgerStore()
        let ledger = try await Ledger.open(store: store, key: Self.key, origin: "o")
        for n in 0..<20 {
            _ = try await ledger.append(draft(n))
            if n % 5 == 4 { _ = try await ledger.checkpoint() }
        }
        store.state.withLock { tamper(&$0) }
        return try await LedgerVerifier(store: store, publicKey: Self.key.publicKey, origin: "o").verify()
    }

    @Test func untouchedLedgerVerifies() async throws {
        let report = try await tamperedStore { _ in }
        #expect(report.problem == nil)
        #expect(report.entries == 20 && report.checkpoints == 4)
    }

    @Test("changing one byte of an entry is found at its index")
    func changedByte() async throws {
        let report = try await tamperedStore { state in
            let i = state.entries[12].bytes.firstIndex(of: UInt8(ascii: "m"))!  // inside "met-police"
            state.entries[12].bytes[i] = UInt8(ascii: "n")
        }
        #expect(report.problem?.index == 12)
    }

    @Test("changing an entry and its stored leaf hash is caught by the signed checkpoints")
    func changedEntryAndLeaf() async throws {
        let report = try await tamperedStore { state in
            var entry = try! LedgerEntry.decode(state.entries[12].bytes)
            entry.recipient = "someone-else"
            state.entries[12].bytes = try! entry.canonicalBytes()
            state.entries[12].leafHash = MerkleHash.leaf(state.entries[12].bytes)
        }
        #expect(report.problem?.index == 10, "the change lies after the checkpoint at size 10")
        #expect(report.problem?.reason.contains("10..<15") == true)
    }

    @Test("a deleted entry is named")
    func deleted() async throws {
        let report = try await tamperedStore { $0.entries.remove(at: 7) }
        #expect(report.problem?.index == 7)
    }

    @Test("two swapped entries are named")
    func reordered() async throws {
        let report = try await tamperedStore { state in
            let a = state.entries[3]
            let b = state.entries[4]
            state.entries[3] = StoredLedgerEntry(index: 3, bytes: b.bytes, leafHash: b.leafHash)
            state.entries[4] = StoredLedgerEntry(index: 4, bytes: a.bytes, leafHash: a.leafHash)
        }
        #expect(report.problem?.index == 3)
    }

    @Test("a replaced checkpoint is named")
    func replacedCheckpoint() async throws {
        let forger = LedgerSigningKey(name: "o", privateKey: .init())
        let report = try await tamperedStore { state in
            state.checkpoints[15] = try! Checkpoint(origin: "o", size: 15, root: Array(repeating: 0, count: 32)).signed(with: forger)
        }
        #expect(report.problem?.index == 10)
        #expect(report.problem?.reason.contains("checkpoint at size 15") == true)
    }

    @Test("entries cut from the end are caught by a checkpoint that covered them")
    func truncated() async throws {
        let report = try await tamperedStore { $0.entries.removeLast(3) }
        #expect(report.problem != nil)
        #expect(report.problem?.reason.contains("no longer stored") == true)
    }
}

@Suite("A batch built from the head its writer knows")
struct KnownHeadTests {
    struct Touch: LedgerEffect {}

    func batch(size: Int, lastTime: String?, effects: [(any LedgerEffect)?], preconditions: [AppendPrecondition?]) -> LedgerBatch {
        LedgerBatch(knownSize: size, knownLastTime: lastTime, effects: effects, preconditions: preconditions) { _, _ in [] }
    }

    @Test("a batch with no effect at a known head is built from it, with the one mark its preconditions name")
    func builtFromKnownHead() throws {
        let time = "2026-12-05T10:00:00.000Z"
        let assumed = try #require(batch(size: 7, lastTime: time, effects: [nil, nil], preconditions: [.changeMark(4), nil]).assumingKnownHead())
        #expect(assumed.batch.head == LedgerHead(size: 7, newLeafHashes: [], lastTime: time))
        #expect(assumed.changeMark == 4)
        let empty = try #require(batch(size: 0, lastTime: nil, effects: [nil], preconditions: [nil]).assumingKnownHead())
        #expect(empty.batch.head == LedgerHead(size: 0, newLeafHashes: [], lastTime: nil) && empty.changeMark == nil, "an empty log's head is known")
    }

    @Test("no such batch when an effect must run first, the last entry's time is unknown, or preconditions name different marks")
    func notBuiltFromKnownHead() {
        let time = "2026-12-05T10:00:00.000Z"
        #expect(batch(size: 7, lastTime: time, effects: [nil, Touch()], preconditions: [nil, nil]).assumingKnownHead() == nil)
        #expect(batch(size: 7, lastTime: nil, effects: [nil], preconditions: [nil]).assumingKnownHead() == nil)
        #expect(batch(size: 7, lastTime: time, effects: [nil, nil], preconditions: [.changeMark(4), .changeMark(5)]).assumingKnownHead() == nil)
    }
}

@Suite("Canonical encoding")
struct CanonicalEncodingTests {
    @Test("the hand-written canonical form is what JSONEncoder with sorted keys writes", arguments: 0..<20)
    func matchesJSONEncoder(seed: Int) throws {
        let tricky = ["plain", "quote \" and \\ backslash", "new\nline\ttab", "control \u{01}", "unicode é ✓", "slash /", ""]
        let entry = LedgerEntry.decodeFixture(seed: seed, strings: tricky)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let reference = Array(try encoder.encode(entry))
        #expect(String(decoding: try entry.canonicalBytes(), as: UTF8.self) == String(decoding: reference, as: UTF8.self))
        #expect(try LedgerEntry.decode(entry.canonicalBytes()) == entry)
    }
}

extension LedgerEntry {
    static func decodeFixture(seed: Int, strings: [String]) -> LedgerEntry {
        func pick(_ k: Int) -> String { strings[(seed + k) % strings.count] }
        let draft = LedgerDraft(
            actor: LedgerActor(kind: .staff, id: pick(1), role: seed % 2 == 0 ? pick(2) : nil, certificateFingerprint: seed % 3 == 0 ? pick(3) : nil),
            recipient: seed % 2 == 1 ? pick(4) : nil,
            action: LedgerAction.allCases[seed % LedgerAction.allCases.count],
            caseIDs: (0..<(seed % 3)).map { pick($0) },
            purpose: pick(5),
            lawfulBasis: seed % 4 == 0 ? nil : pick(6),
            policyVersion: pick(7),
            fields: seed % 2 == 0 ? [DisclosedField(path: pick(8), rule: pick(9))] : nil,
            responseSHA256: pick(10),
            requestID: pick(11),
            details: seed % 3 == 1 ? [pick(12) + "k": pick(13), "a": "b"] : nil
        )
        return draft.entry(index: seed * 1_000_003, time: Date(timeIntervalSince1970: Double(seed) * 86_400.123))
    }
}
