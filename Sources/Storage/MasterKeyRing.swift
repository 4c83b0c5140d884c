import ByteEncoding
import Crypto
import Foundation
import Synchronization

/// The master keys a process unwraps data keys with: the store's current key and, while a rotation runs,
/// the next one (`master.key.next`). Readers try each key they hold (AES key wrap carries its own integrity
/// check, so a wrong key fails rather than yielding another key); writers wrap with the key the store names
/// for writing. A key the process does not hold yet is read from its file when first needed, so gateways
/// keep serving while another process rotates.
public final class MasterKeyRing: Sendable {
    /// The files read again when a key is needed that the ring does not hold (none for fixed keys).
    let files: [URL]
    private let keys: Mutex<[MasterKey]>

    public init(_ keys: [MasterKey], files: [URL] = []) {
        precondition(!keys.isEmpty, "a key ring holds at least the current key")
        self.keys = Mutex(keys)
        self.files = files
    }

    /// The key the store was opened with: its recorded check value is this key's.
    public var current: MasterKey { keys.withLock { $0[0] } }

    /// Every key held, current first.
    public var held: [MasterKey] { keys.withLock { $0 } }

    /// A data key unwrapped with whichever held key wrapped it; the files are read again once if none did.
    public func unwrap(_ wrapped: Data) throws -> SymmetricKey {
        let found = keys.withLock { keys in
            for key in keys { if let dataKey = try? key.unwrap(wrapped) { return Optional(dataKey) } }
            return nil
        }
        if let found { return found }
        for key in reload() { if let dataKey = try? key.unwrap(wrapped) { return dataKey } }
        throw StorageError.masterKey(
            path: files.first?.path ?? "the key ring",
            reason: "no master key this process holds unwraps the data key (is a rotation's master.key.next missing here?)"
        )
    }

    /// The key with this id, for wrapping new data keys; nil asks for the current key.
    public func key(id: Data?) throws -> MasterKey {
        guard let id else { return current }
        if let key = held.first(where: { $0.id == id }) { return key }
        if let key = reload().first(where: { $0.id == id }) { return key }
        throw StorageError.masterKey(
            path: files.last?.path ?? "the key ring",
            reason:
                "the store wraps new data keys with master key \(MasterKey.describe(id)), which this process does not hold: copy master.key.next from where the rotation started"
        )
    }

    /// Holds `key` as well (a rotation's next key, before it is on disk everywhere).
    public func adopt(_ key: MasterKey) {
        keys.withLock { keys in if !keys.contains(where: { $0.id == key.id }) { keys.append(key) } }
    }

    /// Reads the files again and keeps the keys not yet held; returns them.
    private func reload() -> [MasterKey] {
        let found = files.compactMap { FileManager.default.fileExists(atPath: $0.path) ? try? MasterKey.load(from: $0) : nil }
        return keys.withLock { keys in
            let new = found.filter { key in !keys.contains { $0.id == key.id } }
            keys.append(contentsOf: new)
            return new
        }
    }

    /// The ring a store opens with, given the check value it recorded (nil for a new store).
    ///
    /// `keyFile` holds the current key and `nextFile`, when present, a rotation's next one. A rotation that
    /// crashed after the store switched to the next key but before the file was renamed is finished here:
    /// the next key becomes `master.key` (when both are in the same directory), and either key still opens.
    public static func open(keyFile: URL, nextFile: URL, recordedCheck: Data?) throws(StorageError) -> MasterKeyRing {
        let key = try MasterKey.load(from: keyFile)
        let next = FileManager.default.fileExists(atPath: nextFile.path) ? try MasterKey.load(from: nextFile) : nil
        let files = [keyFile, nextFile]
        guard let recordedCheck, key.checkValue != recordedCheck else {
            return MasterKeyRing([key] + (next.map { [$0] } ?? []), files: files)
        }
        guard let next, next.checkValue == recordedCheck else {
            throw .masterKey(path: keyFile.path, reason: "is not the master key this store was created with")
        }
        if keyFile.deletingLastPathComponent().standardizedFileURL.path == nextFile.deletingLastPathComponent().standardizedFileURL.path {
            if rename(nextFile.path, keyFile.path) != 0 {
                throw .masterKey(
                    path: nextFile.path,
                    reason: "the store has switched to this key but it could not replace \(keyFile.lastPathComponent)"
                )
            }
            return MasterKeyRing([next], files: files)
        }
        return MasterKeyRing([next, key], files: files)
    }
}

extension MasterKey {
    /// Names the key in the store's rows and the ledger: the first 8 bytes of its check value.
    public var id: Data { checkValue.prefix(8) }

    /// The id as hex, for messages and ledger entries.
    public var idText: String { Self.describe(id) }

    static func describe(_ id: Data) -> String { id.hexString }

    /// Writes a new random key to `url` (mode 0600, written whole then renamed into place, synced).
    public static func create(at url: URL) throws(StorageError) -> MasterKey {
        let key = SymmetricKey(size: .bits256)
        let temporary = url.appendingPathExtension("partial")
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard descriptor >= 0 else { throw StorageError.masterKey(path: url.path, reason: "could not create the file") }
            let written = key.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            let synced = fsync(descriptor)
            close(descriptor)
            guard written == 32, synced == 0, rename(temporary.path, url.path) == 0 else {
                unlink(temporary.path)
                throw StorageError.masterKey(path: url.path, reason: "could not write the file")
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw .masterKey(path: url.path, reason: "\(error)")
        }
        return MasterKey(key: key)
    }
}
