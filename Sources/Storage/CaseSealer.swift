import ByteEncoding
import CaseModel
import Crypto
import Foundation

/// Seals a case's full document with its data key (AES-256-GCM). The case id
/// is authenticated data, so a sealed blob cannot be swapped onto another row.
public enum CaseSealer {
    public static func seal(_ c: ASBCase, with key: SymmetricKey) throws -> Data {
        let plaintext = CaseCodec.encode(c)
        return try AES.GCM.seal(plaintext, using: key, authenticating: Data(c.id.text.utf8)).combined!
    }

    public static func open(_ sealed: Data, id: UUID, with key: SymmetricKey) throws -> ASBCase {
        try open(sealed, idText: id.text, with: key)
    }

    /// With the id already in its text form (`UUID.text`), as the store has it from its row.
    package static func open(_ sealed: Data, idText: String, with key: SymmetricKey) throws -> ASBCase {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            // The id's own bytes as the authenticated data, without copying them into a `Data`.
            var id = idText
            let plaintext = try id.withUTF8 { try AES.GCM.open(box, using: key, authenticating: UnsafeRawBufferPointer($0)) }
            return try CaseCodec.decode(plaintext)
        } catch {
            throw StorageError.corrupt(caseID: idText)
        }
    }
}
