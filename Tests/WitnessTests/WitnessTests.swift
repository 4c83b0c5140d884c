import ByteEncoding
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Ledger
import Testing
import Witness

@Suite("Witness: C2SP tlog-witness add-checkpoint and monitor retrieval, through the router")
struct WitnessTests {
    static let logKey = LedgerSigningKey(name: "casegate.test/ledger", privateKey: .init())
    static let witnessKey = WitnessSigningKey(name: "witness.test/w1", privateKey: .init())

    /// A log of `count` entries in memory, signed with the test's log key.
    final class TestLog: Sendable {
        let ledger: Ledger

        init(_ count: Int, key: LedgerSigningKey = WitnessTests.logKey, salt: String = "") async throws {
            ledger = try await Ledger.open(store: MemoryLedgerStore(), key: key, origin: key.name)
            try await grow(to: count, salt: salt)
        }

        func grow(to count: Int, salt: String = "") async throws {
            let drafts = (ledger.size..<count).map { n in
                LedgerDraft(actor: LedgerActor(kind: .system, id: "test"), action: .policyLoad, details: ["n": "\(n)\(salt)"])
            }
            if !drafts.isEmpty { _ = try await ledger.append(drafts) }
        }

        func note() async throws -> String { try await ledger.checkpoint().note }

        func request(from old: Int) async throws -> String {
            let (size, note) = try await ledger.checkpoint()
            let proof = old > 0 && old < size ? try await ledger.consistencyProof(from: old, to: size) : []
            return AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: note).body
        }
    }

    func withWitness(_ body: @Sendable (any TestClientProtocol, Witness) async throws -> Void) async throws {
        let path = Self.temporaryStatePath()
        defer { Self.remove(path) }
        try await withWitness(path, body)
    }

    func withWitness(_ path: String, _ body: @Sendable (any TestClientProtocol, Witness) async throws -> Void) async throws {
        var logs = WitnessedLogKeys()
        logs.add(Self.logKey.publicKey)
        let witness = Witness(key: Self.witnessKey, logs: logs, store: try WitnessStateStore(path: path))
        let router = Router()
        WitnessRoutes(witness: witness).addRoutes(to: router)
        try await Application(router: router).test(.router) { client in try await body(client, witness) }
    }

    static func temporaryStatePath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("witness-\(UUID()).sqlite").path
    }

    /// The state file and SQLite's files beside it.
    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    func post(_ client: any TestClientProtocol, _ body: String) async throws -> (status: HTTPResponse.Status, body: String, type: String?) {
        try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: body)) { response in
            (response.status, String(buffer: response.body), response.headers[.contentType])
        }
    }

    @Test("the first checkpoint (old 0) and then each consistent one are cosigned; the cosignature verifies with the witness's key")
    func cosignsConsistentCheckpoints() async throws {
        let log = try await TestLog(5)
        try await withWitness { client, witness in
            let first = try await post(client, try await log.request(from: 0))
            #expect(first.status == .ok)
            let line = try SignedNoteText.Signature(line: Substring(first.body.dropLast()))
            let note = try SignedNoteText(parsing: try await log.note())
            #expect(try Cosignature.verified(note.adding([line]), by: Self.witnessKey.publicKey) != nil)
            try await log.grow(to: 300)
            #expect(try await post(client, try await log.request(from: 5)).status == .ok)
            #expect(try witness.store.log(Self.logKey.name)?.size == 300)
            // The same checkpoint again, from its own size: cosigned again.
            #expect(try await post(client, try await log.request(from: 300)).status == .ok)
        }
    }

    @Test("an old size other than the last cosigned is 409 with that size as text/x.tlog.size")
    func conflict() async throws {
        let log = try await TestLog(5)
        try await withWitness { client, _ in
            #expect(try await post(client, try await log.request(from: 0)).status == .ok)
            try await log.grow(to: 9)
            let answer = try await post(client, try await log.request(from: 0))
            #expect(answer.status == .conflict)
            #expect(answer.body == "5\n")
            #expect(answer.type == "text/x.tlog.size")
        }
    }

    @Test("a fork (another root for the size cosigned, or a proof that does not verify) is 422 and kept as evidence")
    func fork() async throws {
        let log = try await TestLog(5)
        let forked = try await TestLog(5, salt: "forked")
        try await withWitness { client, witness in
            #expect(try await post(client, try await log.request(from: 0)).status == .ok)
            #expect(try await post(client, try await forked.request(from: 5)).status == .unprocessableContent)
            try await forked.grow(to: 9, salt: "forked")
            #expect(try await post(client, try await forked.request(from: 5)).status == .unprocessableContent)
            #expect(try witness.store.log(Self.logKey.name)?.size == 5)
            #expect(try witness.store.refusals().map(\.status) == [422, 422])
            #expect(try witness.store.refusals().first?.reason.contains("forked") == true)
        }
    }

    @Test("a rollback is refused: a smaller checkpoint from the size cosigned is 400, from any other 409")
    func rollback() async throws {
        let small = try await TestLog(5)
        let log = try await TestLog(5)
        try await log.grow(to: 9)
        try await withWitness { client, witness in
            #expect(try await post(client, try await log.request(from: 0)).status == .ok)
            let note = try await small.note()
            #expect(try await post(client, AddCheckpointRequest(oldSize: 9, proof: [], checkpoint: note).body).status == .badRequest)
            #expect(try await post(client, AddCheckpointRequest(oldSize: 5, proof: [], checkpoint: note).body).status == .conflict)
            #expect(try witness.store.log(Self.logKey.name)?.size == 9)
            // The rollback, signed by the log, is kept as evidence; a 409 is only a client behind.
            #expect(try witness.store.refusals().map(\.status) == [400])
        }
    }

    @Test("an unknown origin is 404; no trusted signature, or a bad one, is 403; a malformed body is 400")
    func refusals() async throws {
        let stranger = LedgerSigningKey(name: "elsewhere.test/log", privateKey: .init())
        let impostor = LedgerSigningKey(name: Self.logKey.name, privateKey: .init())
        try await withWitness { client, _ in
            let unknown = try await TestLog(3, key: stranger)
            #expect(try await post(client, try await unknown.request(from: 0)).status == .notFound)
            let forged = try await TestLog(3, key: impostor)
            #expect(try await post(client, try await forged.request(from: 0)).status == .forbidden)
            // A line with the trusted key's name and id but a signature that does not verify.
            let log = try await TestLog(3)
            var note = try SignedNoteText(parsing: try await log.note())
            note.signatures[0].blob[10] ^= 1
            #expect(try await post(client, AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: note.note).body).status == .forbidden)
            #expect(try await post(client, "old 0\n").status == .badRequest)
            #expect(try await post(client, "old 0\n\nnot a checkpoint\n").status == .badRequest)
        }
    }

    @Test("a size-0 checkpoint must have the empty root; a proof from size 0 must be empty")
    func emptyTreeRules() async throws {
        try await withWitness { client, _ in
            let empty = try Checkpoint(origin: Self.logKey.name, size: 0, root: MerkleHash.empty).signed(with: Self.logKey)
            #expect(try await post(client, AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: empty).body).status == .ok)
            let wrong = try Checkpoint(origin: Self.logKey.name, size: 0, root: Array(repeating: 1, count: 32)).signed(with: Self.logKey)
            #expect(try await post(client, AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: wrong).body).status == .unprocessableContent)
            let log = try await TestLog(4)
            let withProof = AddCheckpointRequest(oldSize: 0, proof: [Array(repeating: 2, count: 32)], checkpoint: try await log.note())
            #expect(try await post(client, withProof.body).status == .unprocessableContent)
        }
    }

    @Test("GET /<origin hash>/checkpoint serves the last cosigned checkpoint with the log's and the witness's signatures; 404 before")
    func monitorRetrieval() async throws {
        let log = try await TestLog(7)
        let hash = SHA256.hash(data: Data(Self.logKey.name.utf8)).hexString
        try await withWitness { client, _ in
            try await client.execute(uri: "/\(hash)/checkpoint", method: .get) { #expect($0.status == .notFound) }
            #expect(try await post(client, try await log.request(from: 0)).status == .ok)
            try await client.execute(uri: "/\(hash)/checkpoint", method: .get) { response in
                #expect(response.status == .ok)
                let note = try SignedNoteText(parsing: String(buffer: response.body))
                #expect(try Checkpoint.verify(note, publicKey: Self.logKey.publicKey).size == 7)
                #expect(try Cosignature.verified(note, by: Self.witnessKey.publicKey) != nil)
            }
        }
    }

    @Test("the last cosigned size survives a restart: the state is in SQLite, written before the answer")
    func persisted() async throws {
        let path = Self.temporaryStatePath()
        defer { Self.remove(path) }
        let log = try await TestLog(6)
        try await withWitness(path) { client, _ in
            let answer = try await post(client, try await log.request(from: 0))
            #expect(answer.status == .ok)
        }
        try await log.grow(to: 10)
        try await withWitness(path) { client, _ in
            let conflict = try await post(client, try await log.request(from: 0))
            #expect(conflict.body == "6\n")
            let next = try await post(client, try await log.request(from: 6))
            #expect(next.status == .ok)
        }
    }

    @Test("concurrent submissions from one size: exactly one is cosigned, the rest get 409, the size never goes back")
    func atomicUpdate() async throws {
        let log = try await TestLog(4)
        try await withWitness { client, witness in
            #expect(try await post(client, try await log.request(from: 0)).status == .ok)
            var bodies: [String] = []
            for size in 5...12 {
                try await log.grow(to: size)
                bodies.append(try await log.request(from: 4))
            }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for body in bodies { group.addTask { try await post(client, body).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == bodies.count - 1)
            #expect(try witness.store.log(Self.logKey.name).map { $0.size > 4 } == true)
        }
    }
}
