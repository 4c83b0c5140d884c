import ArgumentParser
import Foundation
import Gateway
import Ledger
import Storage

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage staff users and their personal tokens (each issue, rotation and revocation a ledger entry).",
        subcommands: [Add.self, List.self, Rotate.self, Revoke.self, Link.self]
    )

    struct Options: ParsableArguments {
        @OptionGroup var storage: StorageOptions
        @Option(help: "The ledger origin (the configuration's ledger_origin).") var origin = GatewayConfiguration().ledgerOrigin

        /// Opens the store and its ledger for `body`.
        func withTokens<T>(_ body: (StaffTokens) async throws -> T) async throws -> T {
            try await storage.with { backend in
                let ledger = try await storage.ledger(backend, origin: origin)
                return try await body(StaffTokens(users: backend.users, ledger: ledger, actor: cliActor))
            }
        }
    }

    /// A token lifetime: `90d`, `12w`, `36h` (days if no unit); 1 hour to 2 years.
    struct Lifetime: ExpressibleByArgument {
        var seconds: TimeInterval

        init?(argument: String) {
            let units: [Character: TimeInterval] = ["h": 3600, "d": 86400, "w": 7 * 86400]
            let unit = argument.last.flatMap { units[$0] }
            guard let amount = Double(unit == nil ? argument : String(argument.dropLast())), amount > 0 else { return nil }
            seconds = amount * (unit ?? 86400)
            guard (3600...(2 * 366 * 86400)).contains(seconds) else { return nil }
        }

        static let standard = Lifetime(argument: "90d")!
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user and print their token (shown once).")

        @Option(help: "The user's name.") var name: String
        @Option(help: "caseworker, ig-officer or admin.") var role: String
        @Option(help: "How long the token lasts: 90d, 12w, 36h (1 hour to 2 years).") var expiresIn = Lifetime.standard
        @OptionGroup var options: Options

        func run() async throws {
            guard let role = StaffRole(rawValue: role) else {
                throw ValidationError("--role must be one of: \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let expires = Date().addingTimeInterval(expiresIn.seconds)
            let (user, token) = try await options.withTokens { tokens in try await tokens.issue(name: name, role: role, expiresAt: expires) }
            print("user:    \(user.id) (\(user.role.rawValue))")
            print("token:   \(token)")
            print("expires: \(expires.ISO8601Format())")
            print("The token is not stored and cannot be shown again.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List users: role, state, token expiry and last use, whether linked to the identity provider."
        )

        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let now = Date()
            for user in try await storage.with({ try await $0.users.list() }) {
                let state =
                    user.revokedAt.map { "revoked \($0.ISO8601Format())" }
                    ?? user.tokenExpiresAt.map { $0 <= now ? "token expired \($0.ISO8601Format())" : "token expires \($0.ISO8601Format())" }
                    ?? "active"
                let used = user.tokenLastUsedAt.map { "last used \($0.ISO8601Format())" } ?? "never used"
                let linked = user.subject == nil ? "" : "\tsingle sign-on"
                print("\(user.id)\t\(user.role.rawValue)\t\(state)\t\(used)\(linked)\t\(user.name)")
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a user a new token (shown once); the old one stops at once.")

        @Argument(help: "The user id.") var id: String
        @Option(help: "How long the new token lasts: 90d, 12w, 36h.") var expiresIn = Lifetime.standard
        @OptionGroup var options: Options

        func run() async throws {
            let expires = Date().addingTimeInterval(expiresIn.seconds)
            guard let token = try await options.withTokens({ tokens in try await tokens.rotate(id: id, expiresAt: expires) }) else {
                throw ValidationError("no active user \(id)")
            }
            print("token:   \(token)")
            print("expires: \(expires.ISO8601Format())")
            print("The old token no longer works. The new one is not stored and cannot be shown again.")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a user's token at once.")

        @Argument(help: "The user id.") var id: String
        @OptionGroup var options: Options

        func run() async throws {
            guard try await options.withTokens({ tokens in try await tokens.revoke(id: id) }) else { throw ValidationError("no user \(id)") }
            print("revoked \(id)")
        }
    }
}

extension Users {
    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Link a user to their identity provider account (its subject, `sub`), so they can sign in with it.",
            discussion: "For single sign-on without create_users: only users linked in advance may sign in. A user is linked once."
        )

        @Argument(help: "The user id.") var id: String
        @Option(help: "The identity provider's subject identifier for this person.") var subject: String
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let subject = subject.trimmingCharacters(in: .whitespaces)
            guard !subject.isEmpty else { throw ValidationError("--subject must not be empty") }
            let linked = try await storage.with { backend -> Bool in
                if let other = try await backend.users.user(subject: subject), other.id != id {
                    throw ValidationError("\(subject) is linked to \(other.id) already")
                }
                return try await backend.users.link(subject: subject, to: id)
            }
            guard linked else { throw ValidationError("no user \(id), or it is linked to another subject already") }
            print("linked \(id) to \(subject)")
        }
    }
}
