import Foundation
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
        try Data(repeating: 7, count: 32).write(to: credentials.appendingPathComponent("master.key"))
        let environment = ["CREDENTIALS_DIRECTORY": credentials.path]

        #expect(KeyFiles.masterKey(dataDirectory: data, environment: environment) == credentials.appendingPathComponent("master.key"))
        #expect(KeyFiles.ledgerKey(dataDirectory: data, environment: environment) == data.appendingPathComponent("ledger.key"))
        #expect(KeyFiles.masterKey(dataDirectory: data, environment: [:]) == data.appendingPathComponent("master.key"))
        let key = try MasterKey.load(from: KeyFiles.masterKey(dataDirectory: data, environment: environment))
        #expect(key.key.withUnsafeBytes { Array($0) } == Array(repeating: 7, count: 32))
    }
}
