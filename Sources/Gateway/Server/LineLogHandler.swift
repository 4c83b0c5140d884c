import ByteEncoding
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line per event, `time level label: key=value … [source] message`, the layout of swift-log's
/// `StreamLogHandler`, at a fraction of its cost on a request path.
///
/// `StreamLogHandler` formats its whole metadata every time a key is set (Hummingbird sets the request id,
/// the identity middleware the partner: twice a request) and formats the time with `localtime` on every
/// line. Here metadata is a plain dictionary until a line is written, the time text is made once a
/// second, and each line goes out whole from a queue of its own (`LineWriter`), so lines from concurrent
/// requests never interleave and a slow destination never holds up a request.
///
/// With `.json`, each line is one JSON object with the same fields, for log shippers:
/// `{"time":…,"level":…,"label":…,"metadata":{…},"source":…,"message":…}`.
public struct LineLogHandler: LogHandler {
    /// How a line is written.
    public enum Format: Sendable {
        case text
        case json
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: LogOutput
    private let format: Format

    public init(
        label: String,
        level: Logger.Level = .info,
        format: Format = .text,
        output: LogOutput = .standardError,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.output = output
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { all.merge(provided) { $1 } }
        if let explicit = event.metadata, !explicit.isEmpty { all.merge(explicit) { $1 } }
        if let error = event.error {
            all["error.message"] = "\(error)"
            all["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        switch format {
        case .text: output.emit(textLine(event, all))
        case .json: output.emit(jsonLine(event, all))
        }
    }

    private func textLine(_ event: LogEvent, _ all: Logger.Metadata) -> String {
        var line = output.clock.now()
        line.reserveCapacity(160)
        line += " "
        line += event.level.rawValue
        if !label.isEmpty {
            line += " "
            line += label
        }
        line += ":"
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            line += " "
            line += key
            line += "="
            line += value.description
        }
        line += " ["
        line += event.source
        line += "] "
        line += event.message.description
        line += "\n"
        return line
    }

    private func jsonLine(_ event: LogEvent, _ all: Logger.Metadata) -> String {
        var line = ByteWriter(capacity: 256)
        line.append("{\"time\":")
        JSONString.append(output.clock.now(), to: &line)
        line.append(",\"level\":")
        JSONString.append(event.level.rawValue, to: &line)
        line.append(",\"label\":")
        JSONString.append(label, to: &line)
        line.append(",\"metadata\":")
        Self.json(.dictionary(all), to: &line)
        line.append(",\"source\":")
        JSONString.append(event.source, to: &line)
        line.append(",\"message\":")
        JSONString.append(event.message.description, to: &line)
        line.append("}\n")
        return String(decoding: line.bytes, as: UTF8.self)
    }

    /// A metadata value as JSON: strings as strings, dictionaries (keys sorted) as objects, arrays as arrays.
    private static func json(_ value: Logger.MetadataValue, to line: inout ByteWriter) {
        switch value {
        case .string(let text):
            JSONString.append(text, to: &line)
        case .stringConvertible(let convertible):
            JSONString.append(convertible.description, to: &line)
        case .dictionary(let dictionary):
            line.append(UInt8(ascii: "{"))
            for (offset, (key, value)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if offset > 0 { line.append(UInt8(ascii: ",")) }
                JSONString.append(key, to: &line)
                line.append(UInt8(ascii: ":"))
                json(value, to: &line)
            }
            line.append(UInt8(ascii: "}"))
        case .array(let values):
            line.append(UInt8(ascii: "["))
            for (offset, value) in values.enumerated() {
                if offset > 0 { line.append(UInt8(ascii: ",")) }
                json(value, to: &line)
            }
            line.append(UInt8(ascii: "]"))
        }
    }

    @available(*, deprecated, renamed: "log(event:)")
    public func log(
        level: Logger.Level,
        message: Logger.Message,
        metadata: Logger.Metadata?,
        source: String,
        file: String,
        function: String,
        line: UInt
    ) {
        log(event: LogEvent(level: level, message: message, metadata: metadata, source: source, file: file, function: function, line: line))
    }
}

/// Where log lines go: standard error for the server, a closure for tests.
public struct LogOutput: Sendable {
    let clock: LogClock
    private let sink: @Sendable (String) -> Void

    public init(clock: LogClock = LogClock(), _ sink: @escaping @Sendable (String) -> Void) {
        self.clock = clock
        self.sink = sink
    }

    func emit(_ line: String) { sink(line) }

    /// Standard error, written from a queue of its own (`LineWriter`): a slow destination never holds up
    /// the thread that logs.
    public static let standardError = LogOutput { line in LineWriter.standardError.enqueue(line) }
}

/// The time as `2026-12-01T20:33:24+0000` in local time, made once a second.
public final class LogClock: Sendable {
    private let cached = Mutex<(second: Int, text: String)>((-1, ""))
    private let seconds: @Sendable () -> Int

    /// `seconds` is the Unix time now; tests pass their own.
    public init(seconds: @escaping @Sendable () -> Int = { Int(time(nil)) }) {
        self.seconds = seconds
    }

    func now() -> String {
        let second = seconds()
        if let text = cached.withLock({ $0.second == second ? $0.text : nil }) { return text }
        let text = Self.format(second)
        cached.withLock { $0 = (second, text) }
        return text
    }

    static func format(_ second: Int) -> String {
        var t = time_t(second)
        var parts = tm()
        guard localtime_r(&t, &parts) != nil else { return "<unknown>" }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let n = strftime(buffer.baseAddress!, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: n), as: UTF8.self)
        }
    }
}
