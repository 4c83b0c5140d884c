import CasegateTestSupport
import Crypto
import Foundation
import Testing

@testable import Storage

/// The pseudonym root and the party-index key are the store's own, kept wrapped by the master key: a new
/// store's are random, a store set up before they were kept keeps today's values, and a master key that
/// wraps them anew changes neither.
@Suite("Store secrets (each backend)")
struct StoreSecretsTests {
    static func bytes(_ key: SymmetricKey) -> [UInt8] { key.withUnsafeBytes { Array($0) } }

    @Test("a new store's secrets are random, recorded, and the same when reopened", arguments: BackendKind.available)
    func newStore(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let secrets = t.backend.secrets
            let master = t.backend.masterKey
            #expect(Self.bytes(secrets.pseudonymRoot) != Self.bytes(master.key))
            #expect(Self.bytes(secrets.partyIndex) != Self.bytes(master.derivedKey(for: "party-index-v1")))
            let reopened = try await t.reopen()
            #expect(Self.bytes(reopened.secrets.pseudonymRoot) == Self.bytes(secrets.pseudonymRoot))
            #expect(Self.bytes(reopened.secrets.partyIndex) == Self.bytes(secrets.partyIndex))
            await reopened.close()
        }
    }

    @Test(
        "a store from before secrets were kept keeps its pseudonyms and subject search; a master key wrapping them anew changes neither",
        arguments: BackendKind.available
    )
    func existingStoreAndNewMasterKey(kind: BackendKind) async throws {
        try await withStore(kind) { t in
            let cases = t.backend.cases(clock: testClock)
            let c = try await cases.create(sampleCase(name: "Philippa Ormerod-Stavely"))
            // As a store set up before this version: no secrets recorded, its party index made under the derived key.
            try await t.execute("DELETE FROM casegate_meta WHERE name IN ('pseudonym_root_wrapped', 'party_index_key_wrapped')")
            let master = t.backend.masterKey
            try await t.execute("DELETE FROM party_index")
            let derived = StoreSecrets(pseudonymRoot: master.key, partyIndex: master.derivedKey(for: "party-index-v1"))
            for lookup in PartyIndex(secrets: derived).lookups(for: c) {
                let hex = lookup.map { String(format: "%02x", $0) }.joined()
                let bytes = kind == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'"
                try await t.execute("INSERT INTO party_index (lookup, case_id) VALUES (\(bytes), '\(c.id.uuidString)')")
            }
            let person = (name: c.parties[0].name, dateOfBirth: c.parties[0].dateOfBirth)

            let upgraded = try await t.reopen()
            #expect(Self.bytes(upgraded.secrets.pseudonymRoot) == Self.bytes(master.key), "today's pseudonym root kept")
            #expect(Self.bytes(upgraded.secrets.partyIndex) == Self.bytes(master.derivedKey(for: "party-index-v1")), "today's index key kept")
            #expect(try await upgraded.cases(clock: testClock).caseIDs(partyName: person.name, dateOfBirth: person.dateOfBirth) == [c.id])
            await upgraded.close()

            // Another master key wraps the same secrets (what a rotation does); the store's check value follows.
            let newMaster = MasterKey(key: SymmetricKey(size: .bits256))
            let root = try newMaster.wrap(SymmetricKey(data: Self.bytes(master.key)))
            let index = try newMaster.wrap(master.derivedKey(for: "party-index-v1"))
            try await t.execute("DELETE FROM casegate_meta WHERE name IN ('pseudonym_root_wrapped', 'party_index_key_wrapped', 'master_key_check')")
            for (name, value) in ["pseudonym_root_wrapped": root, "party_index_key_wrapped": index, "master_key_check": newMaster.checkValue] {
                let hex = value.map { String(format: "%02x", $0) }.joined()
                try await t.execute("INSERT INTO casegate_meta (name, value) VALUES ('\(name)', \(kind == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'"))")
            }
            try writeKeyFile(newMaster.key.withUnsafeBytes { Data($0) }, to: t.directory.appendingPathComponent("master.key"))
            let rotated = try await t.reopen()
            #expect(Self.bytes(rotated.secrets.pseudonymRoot) == Self.bytes(master.key), "no pseudonym changes with the master key")
            #expect(try await rotated.cases(clock: testClock).caseIDs(partyName: person.name, dateOfBirth: person.dateOfBirth) == [c.id])
            await rotated.close()
        }
    }
}
