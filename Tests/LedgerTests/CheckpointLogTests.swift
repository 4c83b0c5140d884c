import Foundation
import Ledger
import Testing

@Suite("Checkpoint log")
struct CheckpointLogTests {
    @Test("checkpoints are appended and read back in order; past 1 MiB the log keeps its latest half MiB, the latest last")
    func appendAndCompact() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-checkpoints-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: file) }
        let log = CheckpointLog(file: file)
        #expect(try log.latest() == nil)
        let filler = String(repeating: "x", count: 4000)
        for size in 1...400 { try await log.append(size: size, note: "origin\n\(size)\n\(filler)\n\n— key sig\n") }
        let entries = try log.entries()
        #expect(entries.count < 400 && entries.count > 50, "compacted, then appended to: \(entries.count)")
        #expect(entries.map(\.size) == Array((400 - entries.count + 1)...400))
        #expect(try log.latest()?.size == 400 && log.latest()?.note.hasPrefix("origin\n400\n") == true)
        let bytes = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
        #expect(bytes <= (1 << 20) + 6000)
    }

    @Test("appends from many tasks at once land whole, one line each; an append that cannot be written throws")
    func concurrentAppends() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-checkpoints-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: file) }
        let log = CheckpointLog(file: file)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for size in 1...64 { group.addTask { try await log.append(size: size, note: "origin\n\(size)\n") } }
            try await group.waitForAll()
        }
        #expect(try log.entries().map(\.size).sorted() == Array(1...64))
        let unwritable = CheckpointLog(file: file.appendingPathComponent("no-such-directory/checkpoints.log"))
        await #expect(throws: (any Error).self) { try await unwritable.append(size: 1, note: "origin\n1\n") }
    }
}
