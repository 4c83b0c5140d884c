import Foundation
import Hummingbird
import Storage

/// Authenticates staff by their personal bearer token.
public struct StaffAuthMiddleware: RouterMiddleware {
    public typealias Context = StaffRequestContext
    let users: any UserStore

    public init(users: any UserStore) {
        self.users = users
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw Problem.unauthorised("a bearer token is required")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthorised("the Authorization header must be 'Bearer <token>'")
        }
        let user: StaffUser
        switch try await users.check(token: String(parts[1]), now: Date()) {
        case .valid(let valid): user = valid
        case .invalid: throw Problem.unauthorised("the token is not valid, or has been revoked")
        case .expired(let expired, let at):
            throw Problem.unauthorised(
                "the token expired on \(ISO8601DateFormatter().string(from: at)); ask an admin for a new one (casegate users rotate \(expired.id))"
            )
        }
        var context = context
        context.user = user
        context.logger[metadataKey: "staff"] = .string(user.id)
        return try await next(request, context)
    }
}

/// Lets through only users with one of the given roles; everyone else gets 403.
public struct RequireRoleMiddleware: RouterMiddleware {
    public typealias Context = StaffRequestContext
    let roles: Set<StaffRole>

    public init(_ roles: StaffRole...) {
        self.roles = Set(roles)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let user = try context.requireUser()
        guard roles.contains(user.role) else {
            let allowed = roles.map(\.rawValue).sorted().joined(separator: ", ")
            throw Problem.forbidden("this endpoint is for the \(allowed) role; you are \(user.role.rawValue)")
        }
        return try await next(request, context)
    }
}
