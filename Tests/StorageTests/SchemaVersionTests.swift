import CasegateTestSupport
import Foundation
import Storage
import Testing

@Suite("Schema versions (each backend)")
struct SchemaVersionTests {
    @Test("a store a newer casegate migrated is refused, naming what to do; nothing is written", arguments: BackendKind.available)
    func newerSchemaRefused(kind: BackendKind) async throws {
        let t = try await TestBackend.make(kind)
        switch kind {
        case .sqlite: try await t.execute("INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        case .postgres: try await t.execute("INSERT INTO schema_migrations (name, applied_at) VALUES ('v99-from-the-future', now())")
        }
        do {
            _ = try await t.reopen()
            Issue.record("a newer schema was opened")
        } catch let error as StorageError {
            guard case .newerSchema = error else {
                Issue.record("\(error)")
                await t.remove()
                return
            }
            #expect(error.description.contains("migrated by a newer casegate"))
        }
        await t.remove()
    }
}
