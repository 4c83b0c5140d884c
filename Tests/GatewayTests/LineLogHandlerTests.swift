import Foundation
import Logging
import Synchronization
import Testing

@testable import Gateway

struct Refused: Error {}

@Suite("Log lines")
struct LineLogHandlerTests {
    /// A logger whose lines are collected, at a fixed second.
    final class Capture: Sendable {
        let lines = Mutex<[String]>([])
        let second = Atomic<Int>(1_764_620_004)

        func logger(
            label: String = "casegate",
            level: Logger.Level = .info,
            format: LineLogHandler.Format = .text,
            provider: Logger.MetadataProvider? = nil
        ) -> Logger {
            let clock = LogClock(seconds: { self.second.load(ordering: .relaxed) })
            let output = LogOutput(clock: clock) { line in self.lines.withLock { $0.append(line) } }
            return Logger(label: label) { label in
                LineLogHandler(label: label, level: level, format: format, output: output, metadataProvider: provider)
            }
        }
    }

    @Test("A line has the time, level, label, metadata sorted by key, source and message, and ends with a newline")
    func layout() throws {
        let capture = Capture()
        var logger = capture.logger()
        logger[metadataKey: "partner"] = "met-police"
        logger[metadataKey: "hb.request.id"] = "abc"
        logger.info("request", metadata: ["status": "200", "ms": "1.25"], source: "Gateway")
        let line = try #require(capture.lines.withLock { $0 }.first)
        let time = LogClock.format(1_764_620_004)
        #expect(line == "\(time) info casegate: hb.request.id=abc ms=1.25 partner=met-police status=200 [Gateway] request\n")
        #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}/) != nil)
    }

    @Test("LOG_FORMAT=json: one JSON object a line with the same fields, metadata nested and escaped")
    func json() throws {
        let capture = Capture()
        var logger = capture.logger(format: .json)
        logger[metadataKey: "partner"] = "met-police"
        logger.warning("a \"quoted\"\nmessage", metadata: ["ids": ["a", "b"], "nested": ["k": "v"]], source: "Gateway")
        let line = try #require(capture.lines.withLock { $0 }.first)
        #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["time"] as? String == LogClock.format(1_764_620_004))
        #expect(object["level"] as? String == "warning")
        #expect(object["label"] as? String == "casegate")
        #expect(object["source"] as? String == "Gateway")
        #expect(object["message"] as? String == "a \"quoted\"\nmessage")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["partner"] as? String == "met-police")
        #expect(metadata["ids"] as? [String] == ["a", "b"])
        #expect(metadata["nested"] as? [String: String] == ["k": "v"])
    }

    @Test("A line's own metadata wins over the logger's and the provider's; errors are named by type")
    func precedence() throws {
        let capture = Capture()
        var logger = capture.logger(provider: Logger.MetadataProvider { ["trace": "t1", "partner": "from-provider"] })
        logger[metadataKey: "partner"] = "from-logger"
        logger.warning("refused", error: Refused(), metadata: ["partner": "from-line"])
        let line = try #require(capture.lines.withLock { $0 }.first)
        #expect(line.contains(" warning casegate: error.message=Refused() error.type=GatewayTests.Refused partner=from-line trace=t1 ["))
        logger.info("plain")
        #expect(capture.lines.withLock { $0 }.last?.contains("partner=from-provider trace=t1") == true, "the provider's value over the logger's")
    }

    @Test("Below the level nothing is written; metadata set on a copy stays on the copy")
    func levelsAndValueSemantics() {
        let capture = Capture()
        let logger = capture.logger(level: .notice)
        logger.info("quiet")
        logger.debug("quieter")
        #expect(capture.lines.withLock { $0 }.isEmpty)
        var copy = logger
        copy[metadataKey: "partner"] = "lfb"
        logger.notice("original")
        copy.notice("copy")
        let lines = capture.lines.withLock { $0 }
        #expect(lines.count == 2)
        #expect(!lines[0].contains("partner=") && lines[1].contains("partner=lfb"))
        #expect(lines[0].hasSuffix("] original\n") && lines[1].hasSuffix("] copy\n"))
    }

    @Test("The time text follows the clock's second")
    func timeFollowsTheClock() {
        let capture = Capture()
        let logger = capture.logger()
        logger.info("one")
        capture.second.store(1_764_620_065, ordering: .relaxed)
        logger.info("two")
        let lines = capture.lines.withLock { $0 }
        #expect(lines[0].hasPrefix(LogClock.format(1_764_620_004) + " "))
        #expect(lines[1].hasPrefix(LogClock.format(1_764_620_065) + " "))
        #expect(LogClock.format(1_764_620_004) != LogClock.format(1_764_620_065))
    }

    @Test("Many keys across every layer come out sorted, once each, the later layer's value winning; a long line is whole")
    func manyKeysAndLongLines() throws {
        let capture = Capture()
        let keys = (0..<40).map { "k\(String($0, radix: 36))-\($0 % 7)" }
        var logger = capture.logger(provider: Logger.MetadataProvider { Dictionary(uniqueKeysWithValues: keys.prefix(20).map { ($0, "provider") }) })
        for key in keys { logger[metadataKey: key] = "logger" }
        let long = String(repeating: "x", count: 3000)
        logger.warning(
            "\(long)",
            error: Refused(),
            metadata: Dictionary(uniqueKeysWithValues: keys.prefix(10).map { ($0, "line") }).merging(["error.type": "line"]) { $1 }
        )
        let line = try #require(capture.lines.withLock { $0 }.first)
        #expect(line.hasSuffix("[GatewayTests] \(long)\n"))
        let pairs = line.split(separator: " ").dropFirst(3).prefix { !$0.hasPrefix("[") }.map {
            $0.split(separator: "=", maxSplits: 1).map(String.init)
        }
        let written = pairs.map { $0[0] }
        #expect(written == (keys + ["error.message", "error.type"]).sorted())
        let values = Dictionary(uniqueKeysWithValues: pairs.map { ($0[0], $0[1]) })
        #expect(keys.prefix(10).allSatisfy { values[$0] == "line" })
        #expect(keys[10..<20].allSatisfy { values[$0] == "provider" })
        #expect(keys[20...].allSatisfy { values[$0] == "logger" })
        #expect(values["error.type"] == "GatewayTests.Refused", "the error's own over the line's")
    }

    @Test("Values that are not strings are written as swift-log describes them")
    func nonStringValues() throws {
        let capture = Capture()
        let logger = capture.logger()
        logger.info("request", metadata: ["status": .stringConvertible(404), "ids": ["a", "b"]])
        let line = try #require(capture.lines.withLock { $0 }.first)
        #expect(line.contains(": ids=[\"a\", \"b\"] status=404 ["))
    }

    @Test("The handler fits an existential's inline buffer, and a new metadata provider keeps the rest")
    func handlerIsSmall() throws {
        #expect(MemoryLayout<LineLogHandler>.size <= 3 * MemoryLayout<Int>.size, "a larger handler is boxed on every metadata key set")
        let capture = Capture()
        var logger = capture.logger(label: "kept", format: .json)
        logger.handler.metadataProvider = Logger.MetadataProvider { ["trace": "t2"] }
        logger.info("after")
        let line = try #require(capture.lines.withLock { $0 }.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["label"] as? String == "kept")
        #expect((object["metadata"] as? [String: String]) == ["trace": "t2"])
    }
}
