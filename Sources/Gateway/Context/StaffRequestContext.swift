import ByteEncoding
import Foundation
import Hummingbird
import Storage

/// Request context on the staff listener: carries the authenticated user.
public struct StaffRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var user: StaffUser?
    /// The console session, on console pages.
    public var session: StaffSession?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.user = nil
        self.session = nil
    }

    public var responseEncoder: JSONEncoder { APICoding.encoder }
    public var requestDecoder: JSONDecoder { APICoding.decoder }

    /// The authenticated user; the auth middleware guarantees one on protected routes.
    public func requireUser() throws -> StaffUser {
        guard let user else { throw Problem.unauthorised("a bearer token is required") }
        return user
    }

    /// The case the route's `{id}` names (a malformed id is a case that does not exist).
    func caseID() throws -> UUID {
        let text = try parameters.require("id")
        guard let id = UUID(text: text) else { throw Problem.notFound("no case \(text)") }
        return id
    }

    /// The party the route's `{person}` names.
    func personID() throws -> UUID {
        let text = try parameters.require("person")
        guard let id = UUID(text: text) else { throw Problem.notFound("the case has no party \(text)") }
        return id
    }
}
