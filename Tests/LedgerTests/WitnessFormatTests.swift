import ByteEncoding
import Crypto
import Foundation
import Ledger
import Testing

@Suite("C2SP witness formats: signed notes, cosignatures, add-checkpoint bodies, tlog proofs, hash tiles")
struct WitnessFormatTests {
    static let logKey = LedgerSigningKey(name: "casegate.test/ledger", privateKey: .init())
    static let witnessKey = WitnessSigningKey(name: "witness.test/w1", privateKey: .init())
    static let otherWitness = WitnessSigningKey(name: "witness.test/w2", privateKey: .init())

    /// The tlog-witness spec's example request body, byte for byte.
    static let specRequest = """
        old 20852014
        PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
        jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
        5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
        /6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

        example.com/behind-the-sofa
        20852163
        CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

        — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
        — example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=

        """

    @Test("the spec's add-checkpoint example parses: old size, four proof hashes, the checkpoint with two signatures")
    func specRequestParses() throws {
        let request = try AddCheckpointRequest(parsing: Self.specRequest)
        #expect(request.oldSize == 20_852_014)
        #expect(request.proof.count == 4)
        #expect(request.proof[0] == Array(Data(base64Encoded: "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=")!))
        let note = try SignedNoteText(parsing: request.checkpoint)
        #expect(note.signatures.count == 2)
        #expect(
            try Checkpoint(body: note.text)
                == Checkpoint(
                    origin: "example.com/behind-the-sofa",
                    size: 20_852_163,
                    root: Array(Data(base64Encoded: "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")!)
                )
        )
        #expect(request.body == Self.specRequest)
    }

    @Test(
        "malformed add-checkpoint bodies are refused with the reason",
        arguments: [
            "old 01\n\nx\n", "old -1\n\nx\n", "new 5\n\nx\n", "old 5\nnot base64!\n\nx\n", "old 5\nAAAA\n\nx\n", "old 5\nno blank line",
            "old 0\n" + String(repeating: Data(count: 32).base64EncodedString() + "\n", count: 64) + "\nx\n",
        ]
    )
    func malformedRequests(body: String) {
        #expect(throws: CheckpointError.self) { try AddCheckpointRequest(parsing: body) }
    }

    @Test("a signed note's text ends at its last blank line, and every later line must be a signature")
    func signedNoteParsing() throws {
        let note = try SignedNoteText(parsing: "a\n\nb\n\n— k AAAAAAAA\n")
        #expect(note.text == "a\n\nb\n")
        #expect(note.signatures.map(\.keyName) == ["k"])
        #expect(note.note == "a\n\nb\n\n— k AAAAAAAA\n")
        for bad in ["a\n\n", "a\n\n— k AAAAAAAA", "a\n\n— k+x AAAAAAAA\n", "a\n\n- k AAAAAAAA\n", "a\u{7}\n\n— k AAAAAAAA\n", "a\n\n— k AAAA\n"] {
            #expect(throws: CheckpointError.self, "\(bad.debugDescription)") { try SignedNoteText(parsing: bad) }
        }
    }

    @Test("cosignature keys: id is SHA-256(name ‖ LF ‖ 0x04 ‖ key)[:4]; the vkey round-trips; a log key is not a witness key")
    func witnessKeys() throws {
        let key = Self.witnessKey.publicKey
        var hasher = SHA256()
        hasher.update(data: Array("witness.test/w1\n".utf8) + [0x04] + Array(key.key.rawRepresentation))
        #expect(key.keyID == Array(hasher.finalize().prefix(4)))
        #expect(try WitnessPublicKey(verifierKey: key.verifierKey) == key)
        #expect(key.verifierKey.hasPrefix("witness.test/w1+\(key.keyID.hexString)+"))
        #expect(throws: CheckpointError.self) { try WitnessPublicKey(verifierKey: Self.logKey.publicKey.verifierKey) }
    }

    func signedCheckpoint(size: Int = 3, root: [UInt8] = Array(repeating: 7, count: 32)) throws -> SignedNoteText {
        try SignedNoteText(parsing: Checkpoint(origin: Self.logKey.name, size: size, root: root).signed(with: Self.logKey))
    }

    @Test("a cosignature signs 'cosignature/v1', the time line and the checkpoint text; its blob is key id ‖ u64 time ‖ signature")
    func cosignatureBytes() throws {
        let note = try signedCheckpoint()
        let line = try Cosignature.sign(checkpointText: note.text, with: Self.witnessKey, timestamp: 1_679_315_147)
        #expect(line.blob.count == 76)
        #expect(Array(line.keyID) == Self.witnessKey.publicKey.keyID)
        #expect(Array(line.blob[4..<12]) == [0, 0, 0, 0, 0x64, 0x18, 0x50, 0xCB])
        let message = Data("cosignature/v1\ntime 1679315147\n".utf8) + Data(note.text.utf8)
        #expect(Cosignature.message(checkpointText: note.text, timestamp: 1_679_315_147) == message)
        #expect(Self.witnessKey.publicKey.key.isValidSignature(line.blob[12...], for: message))
        #expect(try Cosignature.verified(note.adding([line]), by: Self.witnessKey.publicKey) == 1_679_315_147)
        // The log's own check ignores the cosignature; another witness finds none of its own.
        #expect(try Checkpoint.verify(note.adding([line]), publicKey: Self.logKey.publicKey).size == 3)
        #expect(try Cosignature.verified(note.adding([line]), by: Self.otherWitness.publicKey) == nil)
    }

    @Test("a cosignature on another checkpoint, or with its time changed, fails")
    func forgedCosignatures() throws {
        let note = try signedCheckpoint()
        let line = try Cosignature.sign(checkpointText: note.text, with: Self.witnessKey, timestamp: 100)
        let other = try signedCheckpoint(size: 4)
        #expect(throws: CheckpointError.badCosignature("witness.test/w1")) {
            try Cosignature.verified(other.adding([line]), by: Self.witnessKey.publicKey)
        }
        var retimed = line
        retimed.blob[11] ^= 1
        #expect(throws: CheckpointError.badCosignature("witness.test/w1")) {
            try Cosignature.verified(note.adding([retimed]), by: Self.witnessKey.publicKey)
        }
    }

    @Test("a witness policy needs the log's signature and k valid cosignatures of the n witnesses")
    func quorum() throws {
        let note = try signedCheckpoint()
        let one = note.adding([try Cosignature.sign(checkpointText: note.text, with: Self.witnessKey, timestamp: 1)])
        let both = one.adding([try Cosignature.sign(checkpointText: note.text, with: Self.otherWitness, timestamp: 2)])
        let keys = LedgerKeyHistory(Self.logKey.publicKey)
        let policy = WitnessPolicy(witnesses: [Self.witnessKey.publicKey, Self.otherWitness.publicKey], quorum: 2)
        #expect(try policy.verify(both, logKeys: keys).cosigners.map(\.name) == ["witness.test/w1", "witness.test/w2"])
        #expect(throws: CheckpointError.quorumNotMet(needed: 2, found: ["witness.test/w1"])) { try policy.verify(one, logKeys: keys) }
        #expect(try WitnessPolicy(witnesses: policy.witnesses, quorum: 1).verify(one, logKeys: keys).checkpoint.size == 3)
        let otherLog = LedgerKeyHistory(LedgerSigningKey(name: Self.logKey.name, privateKey: .init()).publicKey)
        #expect(throws: CheckpointError.self) { try policy.verify(both, logKeys: otherLog) }
    }

    @Test("a tlog proof round-trips, and the spec's example parses up to its checkpoint")
    func tlogProofFormat() throws {
        let proof = TlogProof(
            extra: Array("entry".utf8),
            index: 73894,
            inclusionProof: [Array(repeating: 1, count: 32)],
            checkpoint: "o\n1\nroot\n\n— o sig\n"
        )
        let text = proof.text
        #expect(text.hasPrefix("c2sp.org/tlog-proof@v1\nextra ZW50cnk=\nindex 73894\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n\no\n"))
        #expect(try TlogProof(parsing: text) == proof)
        let spec = """
            c2sp.org/tlog-proof@v1
            extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
            index 73894
            gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
            B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=

            example.com/fancylog
            109482
            sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

            — example.com/fancylog hI2DJw[...]1roloI=

            """
        let parsed = try TlogProof(parsing: spec)
        #expect(parsed.index == 73894)
        #expect(parsed.inclusionProof.count == 2)
        #expect(parsed.checkpoint.hasPrefix("example.com/fancylog\n109482\n"))
        #expect(throws: CheckpointError.self) { try TlogProof(parsing: "c2sp.org/tlog-proof@v2\nindex 1\n\nx") }
        #expect(throws: CheckpointError.self) { try TlogProof(parsing: "c2sp.org/tlog-proof@v1\nindex 01\n\nx") }
    }

    @Test("tile paths are written and read as tlog-tiles spells them")
    func tilePaths() {
        #expect(HashTilePath(level: 0, index: 1_234_067).description == "0/x001/x234/067")
        #expect(HashTilePath(level: 2, index: 5, width: 17).description == "2/005.p/17")
        #expect(HashTilePath(path: "0/x001/x234/067") == HashTilePath(level: 0, index: 1_234_067))
        #expect(HashTilePath(path: "1/000.p/255") == HashTilePath(level: 1, index: 0, width: 255))
        for bad in [
            "0/1234067", "0/x001/234/067", "0/001/x234", "64/000", "01/000", "0/000.p/256", "0/000.p/0", "0/000.p/07", "0/+12", "0/", "entries/000",
        ] {
            #expect(HashTilePath(path: bad) == nil, "\(bad)")
        }
    }

    @Test("the tiles of a tree of 70,000 leaves are those the spec lists, and each hash is the subtree's root")
    func tilesOfTheSpecExample() throws {
        let leaves = (0..<70_000).map { MerkleHash.leaf(Array("\($0)".utf8)) }
        let tree = MerkleTree(leafHashes: leaves, tileHeight: MerkleTree.keepEverything)
        func tile(_ level: Int, _ index: Int, _ width: Int) throws -> [UInt8]? {
            try tree.nodes(level: 8 * level, from: index * 256, count: width)
        }
        #expect(try tile(0, 272, 256) != nil)
        #expect(try tile(0, 273, 112) != nil)
        #expect(try tile(0, 273, 113) == nil)
        #expect(try tile(1, 0, 256) != nil)
        #expect(try tile(1, 1, 17) != nil)
        #expect(try tile(1, 1, 18) == nil)
        #expect(try tile(2, 0, 1) != nil)
        #expect(try tile(2, 0, 2) == nil)
        // Level 1, hash 3: the root of leaves 768..<1024; level 2, hash 0: of leaves 0..<65,536.
        let level1 = try #require(try tile(1, 0, 4))
        #expect(Array(level1[96..<128]) == MerkleTree(leafHashes: Array(leaves[768..<1024])).currentRoot())
        #expect(try tile(2, 0, 1) == MerkleTree(leafHashes: Array(leaves[0..<65_536])).currentRoot())
        #expect(try tile(0, 0, 2) == leaves[0] + leaves[1])
    }
}
