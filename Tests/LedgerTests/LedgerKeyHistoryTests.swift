import Crypto
import Foundation
import Ledger
import Testing

@Suite("Ledger key history")
struct LedgerKeyHistoryTests {
    static let origin = "test.local/ledger"
    static func key() -> LedgerSigningKey { LedgerSigningKey(name: origin, privateKey: .init()) }

    @Test("the text form round-trips; a lone verifier key reads as that key from size 0; sizes must grow")
    func text() throws {
        let (a, b) = (Self.key(), Self.key())
        var history = LedgerKeyHistory(a.publicKey)
        try history.rotate(to: b.publicKey, fromSize: 11)
        #expect(history.text == "\(a.publicKey.verifierKey) 0\n\(b.publicKey.verifierKey) 11\n")
        #expect(try LedgerKeyHistory(text: history.text) == history)
        #expect(try LedgerKeyHistory(text: a.publicKey.verifierKey + "\n") == LedgerKeyHistory(a.publicKey))
        #expect(history.key(forSize: 10) == a.publicKey && history.key(forSize: 11) == b.publicKey && history.current == b.publicKey)
        #expect(throws: CheckpointError.self) { try history.rotate(to: a.publicKey, fromSize: 11) }
        #expect(throws: CheckpointError.self) { try LedgerKeyHistory(text: "\(a.publicKey.verifierKey) 5\n") }
        #expect(throws: CheckpointError.self) { try LedgerKeyHistory(text: "\(a.publicKey.verifierKey) 0\n\(b.publicKey.verifierKey) x\n") }
        #expect(throws: CheckpointError.self) { try LedgerKeyHistory(text: "") }
    }

    @Test("verification checks each checkpoint with the key in force at its size; one key alone fails at the first checkpoint of the next")
    func verifierUsesTheKeyInForce() async throws {
        let store = MemoryLedgerStore()
        let (a, b) = (Self.key(), Self.key())
        let first = try await Ledger.open(store: store, key: a, origin: Self.origin)
        for n in 0..<5 { _ = try await first.append(LedgerDraft(actor: .system, action: .consultation, requestID: "a\(n)")) }
        _ = try await first.checkpoint()
        let second = try await Ledger.open(store: store, key: b, origin: Self.origin)
        for n in 0..<5 { _ = try await second.append(LedgerDraft(actor: .system, action: .consultation, requestID: "b\(n)")) }
        _ = try await second.checkpoint()
        var history = LedgerKeyHistory(a.publicKey)
        try history.rotate(to: b.publicKey, fromSize: 6)
        #expect(try await LedgerVerifier(store: store, keys: history, origin: Self.origin).verify().problem == nil)
        let oneKey = try await LedgerVerifier(store: store, publicKey: a.publicKey, origin: Self.origin).verify()
        #expect(oneKey.problem?.reason.contains("checkpoint at size 10") == true)
    }
}
