import CaseModel
import Crypto
import Foundation

/// Seals a case's full document with its data key (AES-256-GCM). The case id
/// is authenticated data, so a sealed blob cannot be swapped onto another row.
struct CaseSealer {
    // Dates keep their default (binary floating point) form so they round-trip exactly.
    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()

    static func seal(_ c: ASBCase, with key: SymmetricKey) throws -> Data {
        let plaintext = try encoder.encode(c)
        return try AES.GCM.seal(plaintext, using: key, authenticating: Data(c.id.uuidString.utf8)).combined!
    }

    static func open(_ sealed: Data, id: UUID, with key: SymmetricKey) throws -> ASBCase {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            let plaintext = try AES.GCM.open(box, using: key, authenticating: Data(id.uuidString.utf8))
            return try decoder.decode(ASBCase.self, from: plaintext)
        } catch {
            throw StorageError.corrupt(caseID: id.uuidString)
        }
    }
}
