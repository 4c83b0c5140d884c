import ByteEncoding
import Foundation
import Hummingbird
import Ledger

/// What partners need to check their receipts: `/v1/ledger`.
struct LedgerController {
    let ledger: Ledger
    let keys: LedgerKeyHistory

    func addRoutes(to group: RouterGroup<PartnerRequestContext>) {
        group
            .get("checkpoint", use: checkpoint)
            .get("public-key", use: publicKey)
            .get("proofs/inclusion", use: inclusion)
            .get("proofs/consistency", use: consistency)
            .get("entries/{index}", use: entry)
    }

    /// The latest signed checkpoint (C2SP signed note), covering every entry made so far.
    @Sendable func checkpoint(_ request: Request, context: PartnerRequestContext) async throws -> Response {
        let (_, note) = try await ledger.checkpoint()
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
        let notFound = Problem.notFound("no entry \(text) for this partner")
        guard let index = Int(text), index >= 0, let partner = context.partner?.partner.id,
            let stored = try await ledger.store.entries(from: index, limit: 1).first, stored.index == index,
            let entry = try? stored.decoded(), entry.recipient == partner
        else { throw notFound }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .casegateEntryHash: stored.leafHash.hexString],
            body: .init(byteBuffer: ByteBuffer(bytes: stored.bytes))
        )
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

    struct ConsistencyProof: ResponseEncodable {
        var from: Int
        var to: Int
        var fromRoot: String
        var toRoot: String
        var proof: [String]
    }
}
