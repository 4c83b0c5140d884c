import CasegateTestSupport
import Foundation
import Ledger
import Storage
import Testing

@Suite("Key files from systemd credentials")
struct KeyFilesTests {
    @Test("a key in $CREDENTIALS_DIRECTORY is used; without one there, or without the variable, the data directory's")
    func credentialsFirst() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-keyfiles-\(UUID().uuidString)")
        let credentials = root.appendingPathComponent("credentials")
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try writeKeyFile(Data(repeating: 7, count: 32), to: credentials.appendingPathComponent("master.key"))
        let environment = ["CREDENTIALS_DIRECTORY": credentials.path]

        #expect(KeyFiles.masterKey(dataDirectory: data, environment: environment) == credentials.appendingPathComponent("master.key"))
        #expect(KeyFiles.ledgerKey(dataDirectory: data, environment: environment) == data.appendingPathComponent("ledger.key"))
        #expect(KeyFiles.masterKey(dataDirectory: data, environment: [:]) == data.appendingPathComponent("master.key"))
        let key = try MasterKey.load(from: KeyFiles.masterKey(dataDirectory: data, environment: environment))
        #expect(key.key.withUnsafeBytes { Array($0) } == Array(repeating: 7, count: 32))
    }

    @Test("a key passed on an inherited file descriptor is read from it")
    func descriptor() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-keyfd-\(UUID().uuidString)")
        try writeKeyFile(Data(repeating: 5, count: 32), to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        let environment = ["CASEGATE_MASTER_KEY_FD": "\(handle.fileDescriptor)", "CREDENTIALS_DIRECTORY": "/nonexistent"]
        let url = KeyFiles.masterKey(dataDirectory: URL(fileURLWithPath: "/tmp"), environment: environment)
        #expect(url.path == "/dev/fd/\(handle.fileDescriptor)")
        let key = try MasterKey.load(from: url)
        #expect(key.key.withUnsafeBytes { Array($0) } == Array(repeating: 5, count: 32))
        #expect(
            KeyFiles.masterKey(dataDirectory: URL(fileURLWithPath: "/tmp"), environment: ["CASEGATE_MASTER_KEY_FD": "1"]).path == "/tmp/master.key"
        )
    }

    @Test("a key file readable or writable by others is refused, naming its mode")
    func loosePermissions() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-loose-\(UUID().uuidString)")
        try Data(repeating: 4, count: 32).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        defer { try? FileManager.default.removeItem(at: file) }
        let refusal = Result { try MasterKey.load(from: file) }
        guard case .failure(let error) = refusal else {
            Issue.record("a world-readable master key was used")
            return
        }
        #expect("\(error)".contains("mode 644"))
        #expect(throws: LedgerKeyFileError.loosePermissions(0o644)) { _ = try LedgerSigningKey.load(from: file, name: "x") }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(try MasterKey.load(from: file).key.withUnsafeBytes { Array($0) } == Array(repeating: 4, count: 32))
    }
}
