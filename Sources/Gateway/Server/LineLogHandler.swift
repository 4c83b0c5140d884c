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
    /// What is fixed when the handler is made, shared by reference. With only the level and the metadata
    /// beside it the handler fits in an existential's inline buffer, so giving a logger a metadata key
    /// (twice a request) copies no box of the handler's.
    private var setup: Setup

    private final class Setup: Sendable {
        let label: String
        let output: LogOutput
        let format: Format
        let metadataProvider: Logger.MetadataProvider?

        init(label: String, output: LogOutput, format: Format, metadataProvider: Logger.MetadataProvider?) {
            self.label = label
            self.output = output
            self.format = format
            self.metadataProvider = metadataProvider
        }
    }

    public init(
        label: String,
        level: Logger.Level = .info,
        format: Format = .text,
        output: LogOutput = .standardError,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.logLevel = level
        self.setup = Setup(label: label, output: output, format: format, metadataProvider: metadataProvider)
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { setup.metadataProvider }
        set { setup = Setup(label: setup.label, output: setup.output, format: setup.format, metadataProvider: newValue) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the line into memory on the stack and hands it to the output, without merging the
    /// metadata into a dictionary of its own: for a line of up to 1 KiB, nothing is allocated but what a
    /// value that is not a string allocates to describe itself.
    public func log(event: LogEvent) {
        let provided = setup.metadataProvider?.get() ?? [:]
        var failure: Logger.Metadata = [:]
        if let error = event.error {
            failure["error.message"] = "\(error)"
            failure["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let layers = MetadataLayers(logger: metadata, provided: provided, event: event.metadata ?? [:], error: failure)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { scratch in
            var line = ByteWriter(scratch: scratch)
            switch setup.format {
            case .text: textLine(event, layers, into: &line)
            case .json: jsonLine(event, layers, into: &line)
            }
            line.withUnsafeBytes { setup.output.emit($0) }
        }
    }

    private func textLine(_ event: LogEvent, _ layers: MetadataLayers, into line: inout ByteWriter) {
        line.append(utf8: setup.output.clock.now())
        line.append(UInt8(ascii: " "))
        line.append(utf8: event.level.rawValue)
        if !setup.label.isEmpty {
            line.append(UInt8(ascii: " "))
            line.append(utf8: setup.label)
        }
        line.append(UInt8(ascii: ":"))
        layers.forEachInKeyOrder { key, value in
            line.append(UInt8(ascii: " "))
            line.append(utf8: key)
            line.append(UInt8(ascii: "="))
            switch value {
            case .string(let text): line.append(utf8: text)
            default: line.append(utf8: value.description)
            }
        }
        line.append(" [")
        line.append(utf8: event.source)
        line.append("] ")
        line.append(utf8: event.message.description)
        line.append(UInt8(ascii: "\n"))
    }

    private func jsonLine(_ event: LogEvent, _ layers: MetadataLayers, into line: inout ByteWriter) {
        line.append("{\"time\":")
        JSONString.append(setup.output.clock.now(), to: &line)
        line.append(",\"level\":")
        JSONString.append(event.level.rawValue, to: &line)
        line.append(",\"label\":")
        JSONString.append(setup.label, to: &line)
        line.append(",\"metadata\":{")
        var first = true
        layers.forEachInKeyOrder { key, value in
            if !first { line.append(UInt8(ascii: ",")) }
            first = false
            JSONString.append(key, to: &line)
            line.append(UInt8(ascii: ":"))
            Self.json(value, to: &line)
        }
        line.append("},\"source\":")
        JSONString.append(event.source, to: &line)
        line.append(",\"message\":")
        JSONString.append(event.message.description, to: &line)
        line.append("}\n")
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
    private let sink: @Sendable (UnsafeBufferPointer<UInt8>) -> Void

    /// Each line is handed over as its UTF-8 bytes, newline included, valid only during the call.
    public init(clock: LogClock = LogClock(), bytes sink: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Void) {
        self.clock = clock
        self.sink = sink
    }

    /// Each line as a string, newline included.
    public init(clock: LogClock = LogClock(), _ sink: @escaping @Sendable (String) -> Void) {
        self.init(clock: clock, bytes: { sink(String(decoding: $0, as: UTF8.self)) })
    }

    func emit(_ line: UnsafeBufferPointer<UInt8>) { sink(line) }

    /// Standard error, written from a queue of its own (`LineWriter`): a slow destination never holds up
    /// the thread that logs.
    public static let standardError = LogOutput(bytes: { line in LineWriter.standardError.enqueue(line) })
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
