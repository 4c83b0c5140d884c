import CaseModel
import CasegateTestSupport
import Crypto
import Foundation
import Gateway
import Ledger
import Storage
import Testing

/// `casegate keys rotate-master`: every data key re-wrapped under a new master key while gateways serve,
/// pseudonyms and subject searches unchanged, a ledger entry, and a rotation cut short (by a test's stop or
/// by kill -9) that leaves every case readable and is finished by the next run.
@Suite("Master key rotation (each backend)")
struct MasterKeyRotationTests {
    static let origin = "test.local/ledger"
    static let clock = ServiceClock(calendar: WorkingDayCalendar())

    static func person(_ n: Int) -> ASBCase {
        ASBCase(
            incidentType: .harassment,
            channel: .phone,
            receivedAt: Date().addingTimeInterval(-86_400),
            ward: "Ealing Broadway",
            location: "\(n) Zanzibar Mews, W5 9ZZ",
            narrative: "Knocking at night.",
            parties: [Party(role: .complainant, name: "Person \(n) Quilliam", dateOfBirth: CalendarDate("1961-03-14"))]
        )
    }

    static func keyBytes(_ key: SymmetricKey) -> [UInt8] { key.withUnsafeBytes { Array($0) } }

    static func ledger(_ t: TestBackend, _ backend: any StorageBackend) async throws -> Ledger {
        let key = try await LedgerKeySetup.open(dataDirectory: t.directory.path, origin: origin, storage: backend)
        return try await Ledger.open(store: backend.ledger, key: key, origin: origin)
    }

    /// Every case opens through `backend` (which proves its data key unwraps and its sealed data authenticates).
    static func openAll(_ ids: [UUID], _ backend: any StorageBackend) async throws -> Int {
        var opened = 0
        for id in ids where try await backend.cases(clock: clock).get(id) != nil { opened += 1 }
        return opened
    }

    @Test(
        "rotate: every case opens under the new key, pseudonyms and subject search unchanged, a ledger entry, the old key refused",
        arguments: BackendKind.available
    )
    func rotate(kind: BackendKind) async throws {
        let t = try await TestBackend.make(kind)
        let ids = try await t.backend.cases(clock: Self.clock).createMany((0..<7).map(Self.person)).map(\.id)
        let secrets = t.backend.secrets
        let old = t.backend.masterKey
        let ledger = try await Self.ledger(t, t.backend)

        var rotation = MasterKeyRotation(dataDirectory: t.directory, storage: t.backend)
        rotation.batchSize = 3
        let rotated = try await rotation.run(ledger: ledger, actor: .system)
        #expect(rotated.oldKeyID == old.idText && rotated.newKeyID != old.idText && rotated.rewrapped == 7)
        let entry = try #require(try await t.backend.ledger.entries(from: rotated.entry, limit: 1).first).decoded()
        #expect(entry.action == .masterKeyRotation)
        #expect(entry.details == ["old_master_key": old.idText, "new_master_key": rotated.newKeyID, "data_keys_rewrapped": "7"])

        // master.key is the new key; master.key.next is gone; the store opens with it alone.
        let keyFile = KeyFiles.masterKey(dataDirectory: t.directory, environment: [:])
        #expect(try MasterKey.load(from: keyFile).idText == rotated.newKeyID)
        #expect(!FileManager.default.fileExists(atPath: KeyFiles.nextMasterKey(dataDirectory: t.directory).path))
        let reopened = try await t.reopen()
        #expect(reopened.masterKeys.held.map(\.idText) == [rotated.newKeyID])
        #expect(try await Self.openAll(ids, reopened) == ids.count)
        #expect(try await reopened.dataKeys.countNotWrapped(by: reopened.masterKey.id) == 0)
        #expect(Self.keyBytes(reopened.secrets.pseudonymRoot) == Self.keyBytes(secrets.pseudonymRoot), "pseudonyms unchanged")
        #expect(Self.keyBytes(reopened.secrets.partyIndex) == Self.keyBytes(secrets.partyIndex))
        #expect(
            try await reopened.cases(clock: Self.clock).caseIDs(partyName: "Person 3 Quilliam", dateOfBirth: CalendarDate("1961-03-14")) == [ids[3]]
        )
        await reopened.close()

        // The old key no longer opens the store.
        try FileManager.default.removeItem(at: keyFile)
        try writeKeyFile(Data(Self.keyBytes(old.key)), to: keyFile)
        await #expect {
            _ = try await t.reopen()
        } throws: { error in
            guard case StorageError.masterKey(_, let reason) = error else { return false }
            return reason.contains("not the master key this store was created with") || reason.contains("not the one the database was created with")
        }
        await t.remove()
    }

    @Test(
        "cut short: a running gateway reads every case with one key or the other and writes with the new one; the next run finishes",
        arguments: BackendKind.available
    )
    func resumes(kind: BackendKind) async throws {
        let t = try await TestBackend.make(kind)
        let ids = try await t.backend.cases(clock: Self.clock).createMany((0..<10).map(Self.person)).map(\.id)
        // A gateway already running before the rotation starts: it holds the old key only.
        let running = try await t.reopen()
        let ledger = try await Self.ledger(t, t.backend)

        var rotation = MasterKeyRotation(dataDirectory: t.directory, storage: t.backend)
        rotation.batchSize = 3
        await #expect(throws: MasterKeyRotationError.stopped) { _ = try await rotation.run(ledger: ledger, actor: .system, stopAfterBatches: 2) }
        let next = try MasterKey.load(from: KeyFiles.nextMasterKey(dataDirectory: t.directory))
        let left = try await t.backend.dataKeys.countNotWrapped(by: next.id)
        #expect(left > 0 && left < ids.count, "part way: \(left) of \(ids.count) still under the old key")

        // The running gateway reads both kinds (it loads master.key.next when first needed) and wraps new cases with the new key.
        #expect(try await Self.openAll(ids, running) == ids.count)
        let added = try await running.cases(clock: Self.clock).create(Self.person(99))
        let stored = try await running.dataKeys.dataKeys(after: nil, limit: 100)
        #expect(stored.first { $0.caseID == added.id.uuidString }?.wrappedBy == next.id)
        // So does a process started now.
        let restarted = try await t.reopen()
        #expect(try await Self.openAll(ids + [added.id], restarted) == ids.count + 1)

        // The next run finishes: only what was left is re-wrapped.
        let rotated = try await MasterKeyRotation(dataDirectory: t.directory, storage: restarted).run(
            ledger: try await Self.ledger(t, restarted),
            actor: .system
        )
        #expect(rotated.newKeyID == next.idText && rotated.rewrapped == left)
        #expect(try await Self.openAll(ids + [added.id], running) == ids.count + 1)
        await running.close()
        await restarted.close()
        await t.remove()
    }

    @Test("stopped after the store switched but before master.key was replaced: opening the store finishes it", arguments: BackendKind.available)
    func finishesTheFileSwap(kind: BackendKind) async throws {
        let t = try await TestBackend.make(kind)
        let ids = try await t.backend.cases(clock: Self.clock).createMany((0..<3).map(Self.person)).map(\.id)
        let keyFile = KeyFiles.masterKey(dataDirectory: t.directory, environment: [:])
        let old = try Data(contentsOf: keyFile)
        let rotated = try await MasterKeyRotation(dataDirectory: t.directory, storage: t.backend).run(
            ledger: try await Self.ledger(t, t.backend),
            actor: .system
        )
        // Put the files back as they were before the last step.
        try FileManager.default.moveItem(at: keyFile, to: KeyFiles.nextMasterKey(dataDirectory: t.directory))
        try writeKeyFile(old, to: keyFile)

        let reopened = try await t.reopen()
        #expect(try MasterKey.load(from: keyFile).idText == rotated.newKeyID)
        #expect(!FileManager.default.fileExists(atPath: KeyFiles.nextMasterKey(dataDirectory: t.directory).path))
        #expect(try await Self.openAll(ids, reopened) == ids.count)
        await reopened.close()
        await t.remove()
    }

    @Test("a corrupt master.key.next is refused with its path and length, and nothing is switched", arguments: BackendKind.available)
    func corruptNextKey(kind: BackendKind) async throws {
        let t = try await TestBackend.make(kind)
        _ = try await t.backend.cases(clock: Self.clock).create(Self.person(1))
        let next = KeyFiles.nextMasterKey(dataDirectory: t.directory)
        try writeKeyFile(Data(repeating: 7, count: 20), to: next)
        await #expect(throws: StorageError.masterKey(path: next.path, reason: "holds 20 bytes, expected 32")) {
            _ = try await MasterKeyRotation(dataDirectory: t.directory, storage: t.backend).run(
                ledger: try await Self.ledger(t, t.backend),
                actor: .system
            )
        }
        #expect(try await t.backend.dataKeys.writeKeyID() == nil)
        #expect(try await t.backend.dataKeys.countNotWrapped(by: t.backend.masterKey.id) == 0)
        await t.remove()
    }

    @Test(
        "kill -9 part way: every case opens with one key or the other, and the next run finishes",
        .timeLimit(.minutes(5)),
        arguments: BackendKind.available
    )
    func killed(kind: BackendKind) async throws {
        let t = try await TestBackend.make(kind)
        let ids = try await t.backend.cases(clock: Self.clock).createMany((0..<1500).map(Self.person)).map(\.id)
        _ = try await Self.ledger(t, t.backend)  // sets up the ledger key, as the gateway's first start does
        let arguments = ["keys", "rotate-master", "--data-dir", t.directory.path] + (t.databaseURL.map { ["--database-url", $0] } ?? [])
        let child = ChildProcess()
        child.executableURL = try CasegateExecutable.path()
        child.arguments = arguments + ["--batch-size", "1", "--origin", Self.origin]
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()

        // Killed once some keys are rewrapped, read while the child is stopped between slices.
        let nextFile = KeyFiles.nextMasterKey(dataDirectory: t.directory)
        var left = ids.count
        await child.runInSlices {
            guard let next = try? MasterKey.load(from: nextFile) else { return false }
            left = try await t.backend.dataKeys.countNotWrapped(by: next.id)
            return left < ids.count
        }
        child.kill()
        #expect(child.terminationReason == .uncaughtSignal, "the rotation finished before it could be killed; make it slower")
        #expect(left > 0 && left < ids.count, "killed part way: \(left) of \(ids.count) under the old key")

        let afterCrash = try await t.reopen()
        #expect(try await Self.openAll(ids, afterCrash) == ids.count)
        await afterCrash.close()

        let rerun = ChildProcess()
        rerun.executableURL = try CasegateExecutable.path()
        rerun.arguments = arguments + ["--origin", Self.origin]
        rerun.standardOutput = FileHandle.nullDevice
        try rerun.run()
        rerun.waitUntilExit()
        #expect(rerun.terminationStatus == 0)
        let finished = try await t.reopen()
        #expect(finished.masterKeys.held.count == 1)
        #expect(try await finished.dataKeys.countNotWrapped(by: finished.masterKey.id) == 0)
        #expect(try await Self.openAll(ids, finished) == ids.count)
        let rotations = try await finished.ledger.query(LedgerQuery(actions: [.masterKeyRotation], limit: 10))
        #expect(rotations.count == 1)
        await finished.close()
        await t.remove()
    }
}
