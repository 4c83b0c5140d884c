import Foundation
import Ledger
import Storage

/// The ledger signing key a process may sign with: the one the store recorded at first setup. A new key is
/// made only for a store whose ledger is empty and names no key; a missing or different key file is refused,
/// naming the key expected, so a process started on the wrong data directory never signs checkpoints that
/// partners' verifiers would reject.
public enum LedgerKeySetup {
    public static func open(dataDirectory: String, origin: String, storage: any StorageBackend) async throws -> LedgerSigningKey {
        let file = GatewayEnvironment.ledgerKeyFile(dataDirectory)
        let recorded = try await storage.keyRecords.recorded(KeyRecordName.ledgerKey).map { String(decoding: $0, as: UTF8.self) }
        guard FileManager.default.fileExists(atPath: file.path) else {
            if let recorded { throw LedgerKeyError.missing(path: file.path, expected: recorded) }
            if let first = try await storage.ledger.entries(from: 0, limit: 1).first {
                throw LedgerKeyError.missing(path: file.path, expected: "the key that signed this ledger (entry \(first.index) on)")
            }
            let key = try LedgerSigningKey.loadOrCreate(at: file, name: origin)
            try await record(key, in: storage, path: file.path)
            return key
        }
        let key: LedgerSigningKey
        do {
            key = try LedgerSigningKey.load(from: file, name: origin)
        } catch {
            throw LedgerKeyError.unreadable(path: file.path, reason: "\(error)")
        }
        if let recorded, recorded != key.publicKey.verifierKey {
            throw LedgerKeyError.different(path: file.path, expected: recorded, found: key.publicKey.verifierKey)
        }
        // A store set up before keys were recorded adopts the key it has been signed with.
        if recorded == nil { try await record(key, in: storage, path: file.path) }
        return key
    }

    private static func record(_ key: LedgerSigningKey, in storage: any StorageBackend, path: String) async throws {
        let stored = try await storage.keyRecords.record(KeyRecordName.ledgerKey, Data(key.publicKey.verifierKey.utf8))
        let expected = String(decoding: stored, as: UTF8.self)
        // Another process set the store up with its own key a moment earlier.
        guard expected == key.publicKey.verifierKey else {
            throw LedgerKeyError.different(path: path, expected: expected, found: key.publicKey.verifierKey)
        }
    }
}

/// Why a process may not sign for this store's ledger.
public enum LedgerKeyError: Error, Equatable, CustomStringConvertible {
    case missing(path: String, expected: String)
    case different(path: String, expected: String, found: String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path, let expected):
            "no ledger key at \(path): this store's ledger is signed by \(expected); restore that key file (a new key would sign checkpoints no partner's verifier accepts)"
        case .different(let path, let expected, let found):
            "the ledger key at \(path) is \(found), but this store's ledger is signed by \(expected); start with that store's data directory or key"
        case .unreadable(let path, let reason): "the ledger key at \(path) cannot be used: \(reason)"
        }
    }
}
