import Yams

/// Reads a composed YAML tree while collecting diagnostics with file, line and column.
final class YAMLCursor {
    let file: String
    private(set) var diagnostics: [PolicyDiagnostic] = []

    init(file: String) {
        self.file = file
    }

    func error(_ node: Node?, _ message: String, columnOffset: Int = 0) {
        let mark = node?.mark
        diagnostics.append(PolicyDiagnostic(file: file, line: mark?.line ?? 1, column: (mark?.column ?? 1) + columnOffset, message: message))
    }

    /// The mapping's entries by key; reports unknown keys (with the nearest valid one) and missing required keys.
    func mapping(_ node: Node?, _ what: String, required: [String], optional: [String] = []) -> [String: Node]? {
        guard let node else { return nil }
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping of keys to values")
            return nil
        }
        var entries: [String: Node] = [:]
        let known = required + optional
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                error(keyNode, "keys in \(what) must be plain strings")
                continue
            }
            if entries[key] != nil { error(keyNode, "'\(key)' appears twice in \(what)") }
            if !known.contains(key) {
                error(keyNode, "unknown key '\(key)' in \(what)\(suggestion(for: key, among: known))")
                continue
            }
            entries[key] = value
        }
        for key in required where entries[key] == nil {
            error(node, "\(what) is missing '\(key)'")
        }
        return entries
    }

    func string(_ node: Node?, _ what: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            error(node, "\(what) must be a non-empty string")
            return nil
        }
        return scalar.string
    }

    func bool(_ node: Node?, _ what: String) -> Bool? {
        guard let node else { return nil }
        switch node.string {
        case "true": return true
        case "false": return false
        default:
            error(node, "\(what) must be true or false")
            return nil
        }
    }

    func strings(_ node: Node?, _ what: String) -> [(String, Node)]? {
        guard let node else { return nil }
        guard case .sequence(let sequence) = node else {
            error(node, "\(what) must be a list")
            return nil
        }
        return sequence.compactMap { item in string(item, "each entry of \(what)").map { ($0, item) } }
    }

    /// Values of a list that must each be one of `allowed`.
    func enumerated<T>(_ node: Node?, _ what: String, allowed: [String], make: (String) -> T?) -> [T]? {
        guard let items = strings(node, what) else { return nil }
        var result: [T] = []
        for (text, item) in items {
            if let value = make(text) {
                result.append(value)
            } else {
                error(
                    item,
                    "'\(text)' is not a valid entry of \(what); use one of \(allowed.joined(separator: ", "))\(suggestion(for: text, among: allowed))"
                )
            }
        }
        return result
    }
}
