import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The console's Mustache templates (`Console/Templates/*.mustache`), loaded once from the bundle.
/// Every page is `layout` around its own template; Mustache escapes every value, so case data
/// cannot become markup.
struct ConsoleTemplates: Sendable {
    let library: MustacheLibrary

    static let shared: Result<ConsoleTemplates, ConsoleError> = Result {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw ConsoleError.missingResource("Templates")
        }
        var library = MustacheLibrary()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".mustache") }
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            try library.register(text, named: String(file.dropLast(".mustache".count)))
        }
        return ConsoleTemplates(library: library)
    }.mapError { ($0 as? ConsoleError) ?? .templates("\($0)") }

    /// The stylesheet and icon, by file name, with their content types.
    static let assets: [String: (type: String, bytes: [UInt8])] = {
        guard let directory = Bundle.module.url(forResource: "Assets", withExtension: nil) else { return [:] }
        var assets: [String: (type: String, bytes: [UInt8])] = [:]
        for (name, type) in [("console.css", "text/css; charset=utf-8"), ("favicon.svg", "image/svg+xml")] {
            if let data = try? Data(contentsOf: directory.appendingPathComponent(name)) { assets[name] = (type, Array(data)) }
        }
        return assets
    }()

    /// A whole page: `template` rendered with `page`, inside the layout with the navigation.
    /// `refreshSeconds` has the browser reload the page (a job in progress), without scripts; `continueTo`
    /// sends it on to one of our paths at once.
    static func page(
        _ template: String,
        title: String,
        _ page: [String: Any],
        context: StaffRequestContext,
        status: HTTPResponse.Status = .ok,
        refreshSeconds: Int? = nil,
        continueTo path: String? = nil
    ) throws -> Response {
        let templates = try shared.get()
        var page = page
        if let session = context.session { page["csrf"] = session.csrfToken }
        guard let body = templates.library.render(page, withTemplate: template) else { throw ConsoleError.templates("no template '\(template)'") }
        var frame: [String: Any] = ["title": title, "body": body, "signedIn": context.user != nil]
        if let refreshSeconds { frame["refresh"] = refreshSeconds }
        // A same-site step onwards: after a cross-site redirect the browser withholds SameSite=Strict cookies.
        if let path { frame["refresh"] = "0;url=\(path)" }
        if let user = context.user {
            frame["userName"] = user.name
            frame["userRole"] = user.role.rawValue
            frame["caseworker"] = user.role == .caseworker
        }
        if let session = context.session { frame["csrf"] = session.csrfToken }
        guard let html = templates.library.render(frame, withTemplate: "layout") else { throw ConsoleError.templates("no layout") }
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

enum ConsoleError: Error, CustomStringConvertible {
    case missingResource(String)
    case templates(String)

    var description: String {
        switch self {
        case .missingResource(let name): "the console's \(name) are missing from this build"
        case .templates(let why): "console templates: \(why)"
        }
    }
}
