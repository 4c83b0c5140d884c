import ArgumentParser
import Foundation
import Storage

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage staff users and their personal tokens.",
        subcommands: [Add.self, List.self, Revoke.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user and print their token (shown once).")

        @Option(help: "The user's name.") var name: String
        @Option(help: "caseworker, ig-officer or admin.") var role: String
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            guard let role = StaffRole(rawValue: role) else {
                throw ValidationError("--role must be one of: \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let (user, token) = try await storage.with { try await $0.users.add(name: name, role: role) }
            print("user:  \(user.id) (\(user.role.rawValue))")
            print("token: \(token)")
            print("The token is not stored and cannot be shown again.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users, their roles and whether they are revoked.")

        @OptionGroup var storage: StorageOptions

        func run() async throws {
            for user in try await storage.with({ try await $0.users.list() }) {
                let state = user.revokedAt.map { "revoked \($0.ISO8601Format())" } ?? "active"
                print("\(user.id)\t\(user.role.rawValue)\t\(state)\t\(user.name)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a user's token at once.")

        @Argument(help: "The user id.") var id: String
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            guard try await storage.with({ try await $0.users.revoke(id: id) }) else { throw ValidationError("no user \(id)") }
            print("revoked \(id)")
        }
    }
}
