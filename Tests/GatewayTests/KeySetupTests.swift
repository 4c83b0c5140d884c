import CasegateTestSupport
import Crypto
import Foundation
import Gateway
import Ledger
import SQLiteStorage
import Storage
import Testing

/// No key is made silently: only first setup (an empty store) makes keys; a missing, different or damaged
/// key file is refused with a message naming what the store expects.
@Suite("Keys: no silent new keys")
struct KeySetupTests {
    static let origin = "test.local/ledger"

    @Test(
        "the ledger key is made and recorded at first setup; afterwards a missing, different or damaged key file is refused",
        arguments: BackendKind.available
    )
    func ledgerKey(kind: BackendKind) async throws {
        let t = try await TestBackend.make(kind)
        let data = t.directory.path
        let file = GatewayEnvironment.ledgerKeyFile(data)
        let first = try await LedgerKeySetup.open(dataDirectory: data, origin: Self.origin, storage: t.backend)
        #expect(FileManager.default.fileExists(atPath: file.path))
        let again = try await LedgerKeySetup.open(dataDirectory: data, origin: Self.origin, storage: t.backend)
        #expect(again.publicKey == first.publicKey)

        let saved = try Data(contentsOf: file)
        try writeKeyFile(Curve25519.Signing.PrivateKey().rawRepresentation, to: file)
        await #expect(
            throws: LedgerKeyError.different(
                path: file.path,
                expected: first.publicKey.verifierKey,
                found: try LedgerSigningKey.load(from: file, name: Self.origin).publicKey.verifierKey
            )
        ) {
            _ = try await LedgerKeySetup.open(dataDirectory: data, origin: Self.origin, storage: t.backend)
        }
        try FileManager.default.removeItem(at: file)
        await #expect(throws: LedgerKeyError.missing(path: file.path, expected: first.publicKey.verifierKey)) {
            _ = try await LedgerKeySetup.open(dataDirectory: data, origin: Self.origin, storage: t.backend)
        }
        #expect(!FileManager.default.fileExists(atPath: file.path), "nothing made in its place")
        try writeKeyFile(Data(saved.prefix(31)), to: file)
        do {
            _ = try await LedgerKeySetup.open(dataDirectory: data, origin: Self.origin, storage: t.backend)
            Issue.record("a 31-byte key was used")
        } catch let LedgerKeyError.unreadable(path, reason) {
            #expect(path == file.path && reason.contains("31 bytes"))
        }
        try writeKeyFile(saved, to: file)
        #expect(try await LedgerKeySetup.open(dataDirectory: data, origin: Self.origin, storage: t.backend).publicKey == first.publicKey)
        await t.remove()
    }

    @Test("a store with ledger entries but no recorded key and no key file is refused, not given a new key")
    func ledgerWithoutKey() async throws {
        let t = try await TestBackend.make(.sqlite)
        let ledger = try await Ledger.open(
            store: t.backend.ledger,
            key: LedgerSigningKey(name: Self.origin, privateKey: .init()),
            origin: Self.origin
        )
        _ = try await ledger.append(LedgerDraft(actor: .system, action: .consultation))
        await #expect(throws: LedgerKeyError.self) {
            _ = try await LedgerKeySetup.open(dataDirectory: t.directory.path, origin: Self.origin, storage: t.backend)
        }
        #expect(!FileManager.default.fileExists(atPath: GatewayEnvironment.ledgerKeyFile(t.directory.path).path))
        await t.remove()
    }

    @Test("the master key of an existing store is never made anew: a missing key file or another key is refused")
    func masterKey() async throws {
        let t = try await TestBackend.make(.sqlite)
        _ = try await t.backend.cases(clock: .init(calendar: .init())).createMany([])
        await t.backend.close()
        let keyFile = t.directory.appendingPathComponent(SQLiteDatabase.masterKeyFileName)
        let saved = try Data(contentsOf: keyFile)

        try FileManager.default.removeItem(at: keyFile)
        do {
            _ = try SQLiteDatabase(directory: t.directory)
            Issue.record("a store opened without its master key")
        } catch let StorageError.masterKey(path, reason) {
            #expect(path == keyFile.path && reason.contains("is missing"))
        }
        #expect(!FileManager.default.fileExists(atPath: keyFile.path), "no new key made")

        try writeKeyFile(Data(repeating: 9, count: 32), to: keyFile)
        do {
            _ = try SQLiteDatabase(directory: t.directory)
            Issue.record("a store opened with another master key")
        } catch let StorageError.masterKey(_, reason) {
            #expect(reason.contains("not the master key this store was created with"))
        }
        try writeKeyFile(saved, to: keyFile)
        _ = try SQLiteDatabase(directory: t.directory)
        try? FileManager.default.removeItem(at: t.directory)
    }

    @Test("PostgreSQL: a database already set up is not given a new master key", .enabled(if: BackendKind.postgresURL != nil))
    func postgresMasterKey() async throws {
        let t = try await TestBackend.make(.postgres)
        await t.backend.close()
        let data = t.directory.appendingPathComponent("empty-data")
        do {
            _ = try await GatewayStorage.open(dataDirectory: data.path, databaseURL: t.databaseURL)
            Issue.record("a set-up database was given a new master key")
        } catch let StorageError.masterKey(_, reason) {
            #expect(reason.contains("is missing"))
        }
        #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("master.key").path))
        await t.remove()
    }
}
