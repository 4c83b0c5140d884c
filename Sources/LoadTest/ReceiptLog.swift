import Foundation
import Synchronization

/// The receipts a partner's client was given, one JSON object a line, appended as responses arrive:
///
///     {"entry_hash":"…","index":42,"path":"/v1/cases/…/view"}
///
/// What `casegate monitor` checks the ledger's entries for the partner against: a disclosure with no
/// receipt here is one this partner's systems did not ask for.
public final class ReceiptLog: Sendable {
    public let path: String
    private let handle: Mutex<FileHandle>

    /// Opens `path` for appending, making it (mode 0600) when it does not exist.
    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        self.handle = Mutex(handle)
    }

    public struct Line: Codable, Sendable, Equatable {
        public var index: Int
        public var entryHash: String
        public var path: String?

        public init(index: Int, entryHash: String, path: String? = nil) {
            self.index = index
            self.entryHash = entryHash
            self.path = path
        }

        enum CodingKeys: String, CodingKey {
            case index, path
            case entryHash = "entry_hash"
        }
    }

    public func record(_ line: Line) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var bytes = try? encoder.encode(line) else { return }
        bytes.append(0x0A)
        handle.withLock { try? $0.write(contentsOf: bytes) }
    }

    public func close() {
        handle.withLock { try? $0.close() }
    }

    /// Every receipt in the file, by ledger index. A line that is not a receipt is an error naming it.
    public static func read(path: String) throws -> [Int: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        var receipts: [Int: String] = [:]
        for (number, text) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !text.isEmpty {
            guard let line = try? JSONDecoder().decode(Line.self, from: Data(text.utf8)) else {
                throw LoadTestError.malformedResponse("\(path):\(number + 1) is not a receipt line")
            }
            receipts[line.index] = line.entryHash.lowercased()
        }
        return receipts
    }
}
