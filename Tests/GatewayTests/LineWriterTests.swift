import Foundation
import Synchronization
import Testing

@testable import Gateway

@Suite("Log lines written from a queue of their own")
struct LineWriterTests {
    /// A pipe whose read end is drained into `received` on a thread of its own once `startReading` is called.
    final class Pipe: Sendable {
        let readEnd: Int32
        let writeEnd: Int32
        private let received = Mutex<[UInt8]>([])
        private let done = DispatchSemaphore(value: 0)

        init() throws {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
            (readEnd, writeEnd) = (ends[0], ends[1])
        }

        func startReading() {
            Thread.detachNewThread { [self] in
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress!, $0.count) }
                    if n <= 0 { break }
                    received.withLock { $0 += buffer[0..<n] }
                }
                done.signal()
            }
        }

        /// Everything written, once the write end is closed.
        func lines() -> [String] {
            close(writeEnd)
            done.wait()
            close(readEnd)
            return String(decoding: received.withLock { $0 }, as: UTF8.self).split(separator: "\n").map(String.init)
        }
    }

    @Test("lines from many tasks at once arrive whole, each task's in its order, all of them by flush()")
    func wholeAndInOrder() async throws {
        let pipe = try Pipe()
        pipe.startReading()
        let writer = LineWriter(descriptor: pipe.writeEnd)
        let padding = String(repeating: "x", count: 40)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask { for n in 0..<500 { writer.enqueue("task=\(task) n=\(n) \(padding)\n") } }
            }
        }
        writer.flush()
        let lines = pipe.lines()
        #expect(lines.count == 4000 && writer.dropped == 0)
        for task in 0..<8 {
            let mine = lines.filter { $0.hasPrefix("task=\(task) ") }
            #expect(mine == (0..<500).map { "task=\(task) n=\($0) \(padding)" })
        }
    }

    @Test("a destination that takes nothing never holds up the caller: past the limit lines are dropped, and counted in the log once it reads again")
    func stuckDestination() async throws {
        let pipe = try Pipe()
        let writer = LineWriter(descriptor: pipe.writeEnd, limit: 4096)
        let line = String(repeating: "y", count: 99) + "\n"
        // Should enqueue ever block, the watchdog starts the reader after 20 s, so the test fails instead of hanging.
        let state = Mutex<(finished: Bool, rescued: Bool)>((false, false))
        let watchdog = Task {
            try? await Task.sleep(for: .seconds(20))
            let rescue = state.withLock { state in
                if state.finished { return false }
                state.rescued = true
                return true
            }
            if rescue { pipe.startReading() }
        }
        for _ in 0..<5000 { writer.enqueue(line) }
        let rescued = state.withLock { state in
            state.finished = true
            return state.rescued
        }
        watchdog.cancel()
        #expect(!rescued, "enqueue waited for the destination")
        #expect(writer.dropped > 0, "a pipe holds 64 KiB and the queue 4 KiB: most of 500 KB cannot be waiting")
        if !rescued { pipe.startReading() }
        writer.flush()
        let lines = pipe.lines()
        let reported = lines.compactMap {
            $0.hasSuffix("log lines dropped: the log's destination did not keep up") ? Int($0.prefix { $0 != " " }) : nil
        }
        #expect(reported.reduce(0, +) == writer.dropped)
        #expect(lines.count - reported.count + writer.dropped == 5000, "every line is either written whole or counted as dropped")
        #expect(lines.allSatisfy { $0.count == 99 || $0.hasSuffix("did not keep up") })
    }

    @Test("a log file is written back after every writeBehind bytes, with every line intact; a pipe never is")
    func writeBehind() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-log-\(UUID().uuidString)").path
        let file = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        try #require(file >= 0)
        defer {
            close(file)
            unlink(path)
        }
        let calls = Mutex<[Int32]>([])
        let writer = LineWriter(descriptor: file) { descriptor in calls.withLock { $0.append(descriptor) } }
        let line = String(repeating: "z", count: 1023) + "\n"
        let perStep = LineWriter.writeBehind / line.utf8.count
        // Three steps of exactly writeBehind bytes, then a few lines short of another.
        for step in 0..<4 {
            for _ in 0..<(step < 3 ? perStep : 10) { writer.enqueue(line) }
            writer.flush()
        }
        let lines = 3 * perStep + 10
        let made = calls.withLock { $0 }
        #expect(made == [file, file, file])
        let written = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(written.count == lines && written.allSatisfy { $0.count == 1023 })

        let pipe = try Pipe()
        pipe.startReading()
        let piped = LineWriter(descriptor: pipe.writeEnd) { _ in calls.withLock { $0.append(-1) } }
        for _ in 0..<lines { piped.enqueue(line) }
        piped.flush()
        #expect(pipe.lines().count == lines)
        #expect(!calls.withLock { $0.contains(-1) }, "a pipe is not a file to write back")

        // The kernel's own write-back (the default) leaves every byte where it was written.
        let defaulted = LineWriter(descriptor: file)
        for _ in 0..<lines { defaulted.enqueue(line) }
        defaulted.flush()
        let after = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(after.count == 2 * lines && after.allSatisfy { $0.count == 1023 })
    }
}
