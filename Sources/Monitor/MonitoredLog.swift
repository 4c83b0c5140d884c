import Foundation
import Ledger
import LoadTest
import NIOCore

/// What the monitor reads from the gateway's partner listener.
public protocol MonitoredLog: Sendable {
    /// `GET /v1/ledger/checkpoint`: the signed note with its cosignatures.
    func checkpoint() async throws -> String
    func consistencyProof(from: Int, to: Int) async throws -> [[UInt8]]
    func inclusionProof(index: Int, size: Int) async throws -> [[UInt8]]
    /// This partner's entries after `after`, oldest first (one page).
    func entries(after: Int) async throws -> [ListedEntry]
    /// A C2SP hash tile.
    func tile(_ path: HashTilePath) async throws -> [UInt8]
}

public struct ListedEntry: Sendable {
    public var index: Int
    public var entryHash: String
    public var bytes: [UInt8]

    public init(index: Int, entryHash: String, bytes: [UInt8]) {
        self.index = index
        self.entryHash = entryHash
        self.bytes = bytes
    }
}

/// The gateway over HTTPS, as the partner (its client certificate).
public struct GatewayLog: MonitoredLog {
    let client: PartnerClient

    public init(client: PartnerClient) {
        self.client = client
    }

    public func checkpoint() async throws -> String {
        String(buffer: try await ok("/v1/ledger/checkpoint"))
    }

    public func consistencyProof(from: Int, to: Int) async throws -> [[UInt8]] {
        try await proof("/v1/ledger/proofs/consistency?from=\(from)&to=\(to)")
    }

    public func inclusionProof(index: Int, size: Int) async throws -> [[UInt8]] {
        try await proof("/v1/ledger/proofs/inclusion?index=\(index)&size=\(size)")
    }

    public func entries(after: Int) async throws -> [ListedEntry] {
        struct Page: Decodable {
            struct Entry: Decodable {
                var index: Int
                var entry_hash: String
                var bytes: String
            }
            var entries: [Entry]
        }
        return try decode(Page.self, try await ok("/v1/ledger/entries?after=\(after)")).entries.map { entry in
            guard let bytes = Data(base64Encoded: entry.bytes) else { throw MonitorError.malformed("entry \(entry.index)'s bytes are not base64") }
            return ListedEntry(index: entry.index, entryHash: entry.entry_hash, bytes: Array(bytes))
        }
    }

    public func tile(_ path: HashTilePath) async throws -> [UInt8] {
        Array(try await ok("/v1/ledger/tile/\(path)").readableBytesView)
    }

    /// A GET that must answer 200; a 429 (the partner's rate limit) is waited out and retried.
    private func ok(_ path: String) async throws -> ByteBuffer {
        for _ in 0..<30 {
            let reply = try await client.get(path)
            if reply.status == 429 {
                try await Task.sleep(for: .seconds(reply.retryAfter ?? 1))
                continue
            }
            guard reply.status == 200 else { throw MonitorError.status(path: path, status: reply.status, body: String(buffer: reply.body)) }
            return reply.body
        }
        throw MonitorError.status(path: path, status: 429, body: "still rate limited after 30 tries")
    }

    private func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(body.readableBytesView)) } catch {
            throw MonitorError.malformed("not the expected JSON: \(error)")
        }
    }

    /// The `proof` member of either proof endpoint's JSON, as hashes.
    private func proof(_ path: String) async throws -> [[UInt8]] {
        struct Proof: Decodable { var proof: [String] }
        return try decode(Proof.self, try await ok(path)).proof.map { text in
            guard let hash = Data(base64Encoded: text), hash.count == 32 else { throw MonitorError.malformed("a proof hash is not base64 SHA-256") }
            return Array(hash)
        }
    }
}

public enum MonitorError: Error, CustomStringConvertible {
    case status(path: String, status: UInt, body: String)
    case malformed(String)

    public var description: String {
        switch self {
        case .status(let path, let status, let body): "GET \(path) answered \(status): \(body.prefix(300))"
        case .malformed(let why): why
        }
    }
}
