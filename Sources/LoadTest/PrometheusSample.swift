/// One sample line of the Prometheus text format (version 0.0.4): a metric name, its labels, a value and
/// an optional timestamp.
///
/// Label values are kept as written, escapes and all. They may hold `{`, `}`, `,` and `\"` (the
/// gateway's route labels do, `/v1/views/cases/{id}`), so the label set is read pair by pair, each value
/// to its closing quote, not up to the first `}`.
struct PrometheusSample: Sendable, Equatable {
    var name: Substring
    var labels: [Substring: Substring]
    var value: Double
    /// The line's number in the scrape, for errors.
    var line: Int

    /// Parses a sample line; comment and empty lines are not samples, and are the caller's to skip.
    init(_ text: Substring, line: Int) throws(GatewayMetricsError) {
        self.line = line
        var rest = text[...]
        name = rest.prefix { $0 != "{" && $0 != " " }
        rest = rest[name.endIndex...]
        labels = [:]
        if rest.first == "{" {
            let set = rest.dropFirst()
            guard let last = set.lastIndex(of: "}") else { throw .malformed(line: line, reason: "a label set without its '}'") }
            // Made only for a line that fails: a scrape has thousands of lines with labels.
            func notPairs() -> GatewayMetricsError { .malformed(line: line, reason: "labels '\(set[..<last])' are not name=\"value\" pairs") }
            rest = set
            while true {
                rest = rest.drop { $0 == "," || $0 == " " }
                if rest.first == "}" { break }
                guard let equals = rest.firstIndex(of: "="), rest[rest.index(after: equals)...].first == "\"" else { throw notPairs() }
                let valueStart = rest.index(equals, offsetBy: 2)
                var escaped = false
                let closing = rest[valueStart...].firstIndex { character in
                    defer { escaped = !escaped && character == "\\" }
                    return character == "\"" && !escaped
                }
                guard let quote = closing else { throw notPairs() }
                labels[rest[..<equals]] = rest[valueStart..<quote]
                rest = rest[rest.index(after: quote)...]
            }
            rest = rest.dropFirst()
        }
        let fields = rest.split(separator: " ")
        guard (1...2).contains(fields.count), let value = Double(fields[0]) else {
            throw .malformed(line: line, reason: "'\(text)' is not a name, labels, a value and an optional timestamp")
        }
        self.value = value
    }

    /// The value as a count: a whole number, not negative.
    func count() throws(GatewayMetricsError) -> Int {
        guard value >= 0, value < 9e15, value.rounded() == value else { throw .malformed(line: line, reason: "\(name) is \(value), not a count") }
        return Int(value)
    }
}
