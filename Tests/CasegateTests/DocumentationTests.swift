import ArgumentParser
import Foundation
import Gateway
import Testing

@testable import casegate

/// The documentation cannot drift from the code unnoticed: every `casegate …` command in `README.md` and
/// `docs/` parses with the real command-line parser, and every relative link resolves (to a file, and to
/// a heading where it names one).
@Suite("Documentation")
struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func documents() throws -> [URL] {
        var files = [root.appendingPathComponent("README.md")]
        let docs = root.appendingPathComponent("docs")
        let walker = FileManager.default.enumerator(at: docs, includingPropertiesForKeys: nil)
        while let file = walker?.nextObject() as? URL {
            if file.pathExtension == "md" { files.append(file) }
        }
        return files.sorted { $0.path < $1.path }
    }

    @Test("every casegate command in README.md and docs/ parses with the real parser")
    func commandsParse() throws {
        var checked = 0
        for file in try Self.documents() {
            let text = try String(contentsOf: file, encoding: .utf8)
            for command in DocumentedCommands.commands(in: text) {
                checked += 1
                if let problem = DocumentedCommands.problem(parsing: command.arguments) {
                    Issue.record("\(file.lastPathComponent):\(command.line): `\(command.text)`: \(problem)")
                }
            }
        }
        #expect(checked > 40, "found only \(checked) commands: is the extraction broken?")
    }

    @Test("every relative link in README.md and docs/ resolves, anchors included")
    func linksResolve() throws {
        var checked = 0
        for file in try Self.documents() {
            for link in try DocumentedLinks.links(in: file) {
                checked += 1
                if let problem = DocumentedLinks.problem(link, from: file) {
                    Issue.record("\(file.lastPathComponent):\(link.line): \(link.target): \(problem)")
                }
            }
        }
        #expect(checked > 30, "found only \(checked) links: is the extraction broken?")
    }

    @Test("the checks fail on a broken command and a broken link")
    func checksCanFail() throws {
        let text = """
            Run it:

                swift run casegate ledger verify --no-such-option
                swift run casegate policy chek

            and `casegate retention sweep --dry-run` is fine. See [nowhere](docs/nowhere.md) and
            [a heading that is not there](README.md#no-such-heading).
            """
        let commands = DocumentedCommands.commands(in: text)
        #expect(commands.map(\.line) == [3, 4, 6])
        #expect(DocumentedCommands.problem(parsing: commands[0].arguments) != nil)
        #expect(DocumentedCommands.problem(parsing: commands[1].arguments) != nil)
        #expect(DocumentedCommands.problem(parsing: commands[2].arguments) == nil)

        let file = Self.root.appendingPathComponent("README.md")
        let links = DocumentedLinks.links(inText: text)
        #expect(links.count == 2)
        #expect(links.allSatisfy { DocumentedLinks.problem($0, from: file) != nil })
        #expect(DocumentedLinks.problem(.init(target: "docs/architecture.md#modules", line: 1), from: file) == nil)
    }
}

@Suite("Version")
struct VersionTests {
    @Test("casegate --version prints the version and the commit it was built from")
    func version() {
        do {
            _ = try Casegate.parseAsRoot(["--version"])
            Issue.record("--version did not end parsing")
        } catch {
            let message = Casegate.message(for: error)
            #expect(message == BuildInfo.description)
            #expect(message.hasPrefix("casegate \(BuildInfo.version) (commit "))
            #expect(BuildInfo.commit != "", "the build plugin records a commit, or 'unknown' outside a checkout")
        }
    }
}

/// `casegate` command lines found in Markdown: indented or fenced code blocks, and inline code spans.
enum DocumentedCommands {
    struct Command {
        var text: String
        var arguments: [String]
        var line: Int
    }

    static func commands(in markdown: String) -> [Command] {
        var found: [Command] = []
        let lines = markdown.components(separatedBy: "\n")
        var fenced = false
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                fenced.toggle()
                index += 1
                continue
            }
            if fenced || line.hasPrefix("    ") {
                // A code line; continuation lines end in a backslash.
                var text = trimmed
                let start = index
                while text.hasSuffix("\\"), index + 1 < lines.count {
                    index += 1
                    text = String(text.dropLast()) + " " + lines[index].trimmingCharacters(in: .whitespaces)
                }
                if let command = command(text, line: start + 1) { found.append(command) }
            } else {
                for span in inlineCode(line) { if let command = command(span, line: index + 1) { found.append(command) } }
            }
            index += 1
        }
        return found
    }

    /// Inline code spans on a line (a span never crosses lines in these documents).
    static func inlineCode(_ line: String) -> [String] {
        let parts = line.components(separatedBy: "`")
        return stride(from: 1, to: parts.count - 1, by: 2).map { parts[$0] }
    }

    /// A command's arguments after `casegate`, or nil when the text is not a casegate command.
    static func command(_ text: String, line: Int) -> Command? {
        var text = text
        if text.hasPrefix("$ ") { text.removeFirst(2) }
        // A trailing shell comment is not part of the command.
        if let hash = text.range(of: " #") { text = String(text[..<hash.lowerBound]) }
        text = text.trimmingCharacters(in: .whitespaces)
        let words = shellWords(text)
        let start: Int
        if words.starts(with: ["swift", "run", "casegate"]) {
            start = 3
        } else if words.first == "casegate" {
            start = 1
        } else {
            return nil
        }
        var arguments: [String] = []
        for word in words[start...] {
            // Documentation conventions: [optional] parts, and a|b for one of several values.
            let plain = word.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            arguments.append(plain.hasPrefix("-") || !plain.contains("|") ? plain : String(plain.split(separator: "|")[0]))
        }
        return Command(text: text, arguments: arguments.map { $0.hasPrefix("-") ? String($0.split(separator: "|")[0]) : $0 }, line: line)
    }

    /// Words as a POSIX shell splits them, for the quoting these documents use.
    static func shellWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == " " {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// Nil if the real parser accepts the arguments; else its message.
    static func problem(parsing arguments: [String]) -> String? {
        do {
            _ = try Casegate.parseAsRoot(arguments)
            return nil
        } catch {
            // --help and --version end parsing cleanly.
            return Casegate.exitCode(for: error) == .success ? nil : Casegate.message(for: error)
        }
    }
}

/// Relative Markdown links, checked against the files (and headings) they name.
enum DocumentedLinks {
    struct Link {
        var target: String
        var line: Int
    }

    static func links(in file: URL) throws -> [Link] {
        links(inText: try String(contentsOf: file, encoding: .utf8))
    }

    static func links(inText text: String) -> [Link] {
        var found: [Link] = []
        for (number, line) in text.components(separatedBy: "\n").enumerated() {
            var rest = Substring(line)
            while let open = rest.range(of: "](") {
                let after = rest[open.upperBound...]
                guard let close = after.firstIndex(of: ")") else { break }
                let target = String(after[..<close])
                if !target.contains("://"), !target.hasPrefix("mailto:") { found.append(Link(target: target, line: number + 1)) }
                rest = after[close...]
            }
        }
        return found
    }

    static func problem(_ link: Link, from file: URL) -> String? {
        let parts = link.target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let target = parts[0].isEmpty ? file : file.deletingLastPathComponent().appendingPathComponent(parts[0]).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) else { return "no such file" }
        guard parts.count == 2 else { return nil }
        guard !isDirectory.boolValue, let text = try? String(contentsOf: target, encoding: .utf8) else { return "an anchor on a folder" }
        let anchors = Set(text.components(separatedBy: "\n").filter { $0.hasPrefix("#") }.map { slug($0.drop { $0 == "#" }) })
        return anchors.contains(parts[1]) ? nil : "no heading '\(parts[1])' in \(target.lastPathComponent)"
    }

    /// A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens.
    static func slug(_ heading: Substring) -> String {
        let kept = heading.trimmingCharacters(in: .whitespaces).lowercased().filter {
            $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" || $0 == "_"
        }
        return kept.replacingOccurrences(of: " ", with: "-")
    }
}
