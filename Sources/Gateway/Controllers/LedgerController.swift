import ByteEncoding
import Foundation
import Hummingbird
import Ledger

/// What partners need to check their receipts: `/v1/ledger`.
struct LedgerController {
    let ledger: Ledger
    let keys: LedgerKeyHistory
    let witnessing: LedgerWitnessing?
    /// How long a request for a checkpoint waits for witnesses that have not cosigned it yet.
    static let witnessWait: Duration = .seconds(2)

    func addRoutes(to group: RouterGroup<PartnerRequestContext>) {
        group
            .get("checkpoint", use: checkpoint)
            .get("public-key", use: publicKey)
            .get("proofs/inclusion", use: inclusion)
            .get("proofs/consistency", use: consistency)
            .get("entries/{index}", use: entry)
            .get("entries", use: entries)
            .get("proofs/receipt", use: receiptProof)
            .get("tile/**", use: tile)
    }

    /// The latest signed checkpoint (C2SP signed note), covering every entry made so far, with the
    /// cosignatures of the witnesses that have cosigned it (waiting briefly for those that have not yet).
    @Sendable func checkpoint(_ request: Request, context: PartnerRequestContext) async throws -> Response {
        let note = try await cosignedCheckpoint().note
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: note))
        )
    }

    /// Every checkpoint key, oldest first, each in C2SP verifier-key form with the first tree size it signs
    /// (`LedgerKeyHistory.text`). Partners should also get them out of band.
    @Sendable func publicKey(_ request: Request, context: PartnerRequestContext) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: keys.text))
        )
    }

    @Sendable func inclusion(_ request: Request, context: PartnerRequestContext) async throws -> InclusionProof {
        let index = try integer(request, "index")
        let size = try integer(request, "size")
        // Another instance may have signed a checkpoint this one's tree has not reached yet.
        if size > ledger.size { try await ledger.catchUp() }
        do {
            let proof = try await ledger.inclusionProof(index: index, size: size)
            return InclusionProof(index: index, size: size, root: base64(try await ledger.root(size: size)), proof: proof.map(base64))
        } catch let error as LedgerError {
            throw Problem.badRequest(error.description)
        }
    }

    @Sendable func consistency(_ request: Request, context: PartnerRequestContext) async throws -> ConsistencyProof {
        let from = try integer(request, "from")
        let to = try integer(request, "to")
        if to > ledger.size { try await ledger.catchUp() }
        do {
            let proof = try await ledger.consistencyProof(from: from, to: to)
            return ConsistencyProof(
                from: from,
                to: to,
                fromRoot: base64(try await ledger.root(size: from)),
                toRoot: base64(try await ledger.root(size: to)),
                proof: proof.map(base64)
            )
        } catch let error as LedgerError {
            throw Problem.badRequest(error.description)
        }
    }

    /// One entry, exactly as hashed; only entries recording disclosures to this partner.
    @Sendable func entry(_ request: Request, context: PartnerRequestContext) async throws -> Response {
        let text = try context.parameters.require("index")
        guard let index = Int(text), let stored = try await partnersEntry(index, context) else {
            throw Problem.notFound("no entry \(text) for this partner")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .casegateEntryHash: stored.leafHash.hexString],
            body: .init(byteBuffer: ByteBuffer(bytes: stored.bytes))
        )
    }

    /// This partner's entries after index `after` (default: from the start), oldest first, at most `limit`
    /// (default and most 1,000), each as its exact bytes: what a partner's monitor checks against the
    /// receipts its systems kept.
    @Sendable func entries(_ request: Request, context: PartnerRequestContext) async throws -> PartnerEntries {
        guard let partner = context.partner?.partner.id else { throw Problem.notFound("no entries for this partner") }
        let params = request.uri.queryParameters
        let after = try params["after"].map { text in
            guard let value = Int(String(text)), value >= -1 else { throw Problem.badRequest("'after' must be an entry index") }
            return value
        }
        let limit =
            try params["limit"].map { text in
                guard let value = Int(String(text)), (1...1000).contains(value) else { throw Problem.badRequest("'limit' must be from 1 to 1000") }
                return value
            } ?? 1000
        let found = try await ledger.store.query(LedgerQuery(recipient: partner, after: after, limit: limit))
        return PartnerEntries(
            entries: found.map {
                PartnerEntries.Entry(index: $0.index, entryHash: $0.leafHash.hexString, bytes: Data($0.bytes).base64EncodedString())
            },
            size: ledger.size
        )
    }

    /// A self-contained proof of one of this partner's receipts, in C2SP tlog-proof form: the entry's bytes
    /// (the extra line), its inclusion proof, and the checkpoint with its witnesses' cosignatures.
    @Sendable func receiptProof(_ request: Request, context: PartnerRequestContext) async throws -> Response {
        let index = try integer(request, "index")
        guard let stored = try await partnersEntry(index, context) else { throw Problem.notFound("no entry \(index) for this partner") }
        let (size, note, cosignatures) = try await cosignedCheckpoint()
        let proof = try await ledger.inclusionProof(index: index, size: size)
        let text = TlogProof(extra: stored.bytes, index: index, inclusionProof: proof, checkpoint: note).text
        var headers: HTTPFields = [
            .contentType: "text/plain; charset=utf-8", .cacheControl: "no-store", .casegateEntryHash: stored.leafHash.hexString,
        ]
        headers[.casegateWitnessCosignatures] = String(cosignatures)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A C2SP tlog-tiles hash tile (level tiles only: entries stay per recipient, at `entries/{index}`).
    @Sendable func tile(_ request: Request, context: PartnerRequestContext) async throws -> Response {
        let path = context.parameters.getCatchAll().joined(separator: "/")
        guard let tile = HashTilePath(path: path) else {
            throw Problem.notFound(
                path.hasPrefix("entries") ? "entry bundles are not served: entries stay per recipient" : "'tile/\(path)' is not a tile path"
            )
        }
        // Another instance may have appended the entries this tile needs.
        var hashes = try await ledger.hashTile(tile)
        if hashes == nil {
            try await ledger.catchUp()
            hashes = try await ledger.hashTile(tile)
        }
        guard let hashes else { throw Problem.notFound("the tree has no tile \(tile) yet") }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/octet-stream",
                // A full tile never changes; a partial one is replaced by the full one.
                .cacheControl: tile.isPartial ? "no-store" : "private, max-age=31536000, immutable",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: hashes))
        )
    }

    /// Entry `index` when it records something sent to this partner; nil otherwise (no entry, or another's).
    private func partnersEntry(_ index: Int, _ context: PartnerRequestContext) async throws -> StoredLedgerEntry? {
        guard index >= 0, let partner = context.partner?.partner.id,
            let stored = try await ledger.store.entries(from: index, limit: 1).first, stored.index == index,
            let entry = try? stored.decoded(), entry.recipient == partner
        else { return nil }
        return stored
    }

    /// The latest checkpoint with whatever witness cosignatures it has.
    private func cosignedCheckpoint() async throws -> (size: Int, note: String, cosignatures: Int) {
        let (size, note) = try await ledger.checkpoint()
        guard let witnessing else { return (size, note, 0) }
        let (cosigned, count) = await witnessing.cosigned(note: note, waiting: Self.witnessWait)
        return (size, cosigned, count)
    }

    private func integer(_ request: Request, _ name: String) throws -> Int {
        guard let text = request.uri.queryParameters[Substring(name)], let value = Int(String(text)), value >= 0 else {
            throw Problem.badRequest("'\(name)' must be a whole number")
        }
        return value
    }

    private func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    struct InclusionProof: ResponseEncodable {
        var index: Int
        var size: Int
        var root: String
        var proof: [String]
    }

    struct PartnerEntries: ResponseEncodable {
        struct Entry: Codable {
            var index: Int
            var entryHash: String
            /// The entry's exact bytes, base64.
            var bytes: String
        }

        var entries: [Entry]
        /// The tree's size when read.
        var size: Int
    }

    struct ConsistencyProof: ResponseEncodable {
        var from: Int
        var to: Int
        var fromRoot: String
        var toRoot: String
        var proof: [String]
    }
}
