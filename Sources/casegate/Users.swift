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
        @Option(help: "Data directory.") var dataDir = "data"

        func run() async throws {
            guard let role = StaffRole(rawValue: role) else {
                throw ValidationError("--role must be one of: \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let store = SQLiteUserStore(database: try SQLiteDatabase(directory: URL(fileURLWithPath: dataDir)))
            let (user, token) = try await store.add(name: name, role: role)
            print("user:  \(user.id) (\(user.role.rawValue))")
            print("token: \(token)")
            print("The token is not stored and cannot be shown again.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users, their roles and whether they are revoked.")

        @Option(help: "Data directory.") var dataDir = "data"

        func run() async throws {
            let store = SQLiteUserStore(database: try SQLiteDatabase(directory: URL(fileURLWithPath: dataDir)))
            for user in try await store.list() {
                let state = user.revokedAt.map { "revoked \($0.ISO8601Format())" } ?? "active"
                print("\(user.id)\t\(user.role.rawValue)\t\(state)\t\(user.name)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a user's token at once.")

        @Argument(help: "The user id.") var id: String
        @Option(help: "Data directory.") var dataDir = "data"

        func run() async throws {
            let store = SQLiteUserStore(database: try SQLiteDatabase(directory: URL(fileURLWithPath: dataDir)))
            guard try await store.revoke(id: id) else { throw ValidationError("no user \(id)") }
            print("revoked \(id)")
        }
    }
}
