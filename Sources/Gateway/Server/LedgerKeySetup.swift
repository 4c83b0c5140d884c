import Foundation
import Ledger
import Storage

/// The ledger signing key a process may sign with: the one the store records as current. A new key is
/// made only for a store whose ledger is empty and names no key; a missing or different key file is refused,
/// naming the key expected, so a process started on the wrong data directory never signs checkpoints that
/// partners' verifiers would reject. The store also records every key that has signed (`LedgerKeyHistory`).
public enum LedgerKeySetup {
    /// The key file a rotation writes before the store switches to it (see `LedgerKeyRotation`).
    public static func nextKeyFile(_ dataDirectory: String) -> URL {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent("ledger.key.next")
    }

    public static func open(dataDirectory: String, origin: String, storage: any StorageBackend) async throws -> LedgerSigningKey {
        let file = GatewayEnvironment.ledgerKeyFile(dataDirectory)
        let recorded = try await storage.keyRecords.recorded(KeyRecordName.ledgerKey).map { String(decoding: $0, as: UTF8.self) }
        try finishRotation(dataDirectory: dataDirectory, origin: origin, recorded: recorded)
        guard FileManager.default.fileExists(atPath: file.path) else {
            if let recorded { throw LedgerKeyError.missing(path: file.path, expected: recorded) }
            if let first = try await storage.ledger.entries(from: 0, limit: 1).first {
                throw LedgerKeyError.missing(path: file.path, expected: "the key that signed this ledger (entry \(first.index) on)")
            }
            let key = try LedgerSigningKey.loadOrCreate(at: file, name: origin)
            try await record(key, in: storage, path: file.path)
            return key
        }
        let key = try load(file, origin: origin)
        if let recorded, recorded != key.publicKey.verifierKey {
            throw LedgerKeyError.different(path: file.path, expected: recorded, found: key.publicKey.verifierKey)
        }
        // A store set up before keys were recorded adopts the key it has been signed with.
        if recorded == nil { try await record(key, in: storage, path: file.path) }
        return key
    }

    /// Every key that has signed this store's checkpoints, oldest first.
    public static func history(storage: any StorageBackend, current: LedgerSigningKey) async throws -> LedgerKeyHistory {
        guard let text = try await storage.keyRecords.recorded(KeyRecordName.ledgerKeyHistory) else { return LedgerKeyHistory(current.publicKey) }
        return try LedgerKeyHistory(text: String(decoding: text, as: UTF8.self))
    }

    static func load(_ file: URL, origin: String) throws -> LedgerSigningKey {
        do {
            return try LedgerSigningKey.load(from: file, name: origin)
        } catch {
            throw LedgerKeyError.unreadable(path: file.path, reason: "\(error)")
        }
    }

    /// A rotation that stopped after the store switched to the new key but before the key file was
    /// renamed: the new key is in `ledger.key.next` and the store names it; finish the rename.
    private static func finishRotation(dataDirectory: String, origin: String, recorded: String?) throws {
        let next = nextKeyFile(dataDirectory)
        guard let recorded, FileManager.default.fileExists(atPath: next.path),
            (try? LedgerSigningKey.load(from: next, name: origin))?.publicKey.verifierKey == recorded
        else { return }
        let file = GatewayEnvironment.ledgerKeyFile(dataDirectory)
        if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
        try FileManager.default.moveItem(at: next, to: file)
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
