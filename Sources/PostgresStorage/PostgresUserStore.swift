import Foundation
import PostgresNIO
import Storage

/// Staff users in PostgreSQL; tokens stored only as hashes, compared in constant time.
public struct PostgresUserStore: UserStore {
    let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    public func add(name: String, role: StaffRole) async throws -> (StaffUser, token: String) {
        let token = StaffToken.generate()
        let user = StaffUser(id: token.userID, name: name, role: role, createdAt: Date())
        try await database.mapErrors {
            try await database.client.query(
                """
                INSERT INTO staff_users (id, name, role, token_hash, created_at)
                VALUES (\(user.id), \(name), \(role.rawValue), \(token.secretHash), \(user.createdAt))
                """,
                logger: database.logger
            )
        }
        return (user, token.text)
    }

    public func list() async throws -> [StaffUser] {
        try await database.mapErrors {
            try await database.client.query(
                "SELECT id, name, role, created_at, revoked_at FROM staff_users ORDER BY created_at",
                logger: database.logger
            )
            .collect().compactMap { row in
                let (id, name, role, created, revoked) = try row.decode((String, String, String, Date, Date?).self)
                return StaffRole(rawValue: role).map { StaffUser(id: id, name: name, role: $0, createdAt: created, revokedAt: revoked) }
            }
        }
    }

    public func revoke(id: String) async throws -> Bool {
        try await database.mapErrors {
            try await database.client.query(
                "UPDATE staff_users SET revoked_at = COALESCE(revoked_at, now()) WHERE id = \(id) RETURNING id",
                logger: database.logger
            ).collect().count == 1
        }
    }

    public func authenticate(token text: String) async throws -> StaffUser? {
        guard let token = StaffToken(parsing: text) else { return nil }
        let rows = try await database.mapErrors {
            try await database.client.query(
                "SELECT name, role, token_hash, created_at, revoked_at FROM staff_users WHERE id = \(token.userID)",
                logger: database.logger
            ).collect()
        }
        guard let row = rows.first else { return nil }
        let (name, role, hash, created, revoked) = try row.decode((String, String, Data, Date, Date?).self)
        guard revoked == nil, constantTimeEqual(hash, token.secretHash), let role = StaffRole(rawValue: role) else { return nil }
        return StaffUser(id: token.userID, name: name, role: role, createdAt: created)
    }

    public func saveSession(_ session: StaffSession, secretHash: Data) async throws {
        try await database.transaction { connection in
            try await connection.query("DELETE FROM staff_sessions WHERE expires_at < now()", logger: database.logger)
            try await connection.query(
                """
                INSERT INTO staff_sessions (id, user_id, secret_hash, csrf_token, created_at, expires_at)
                VALUES (\(session.id), \(session.userID), \(secretHash), \(session.csrfToken), now(), \(session.expiresAt))
                """,
                logger: database.logger
            )
        }
    }

    public func session(token text: String, now: Date) async throws -> (StaffUser, StaffSession)? {
        guard let token = StaffToken(parsingSession: text) else { return nil }
        let rows = try await database.mapErrors {
            try await database.client.query(
                """
                SELECT s.user_id, s.secret_hash, s.csrf_token, s.expires_at, u.name, u.role, u.created_at, u.revoked_at
                FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id WHERE s.id = \(token.userID)
                """,
                logger: database.logger
            ).collect()
        }
        guard let row = rows.first else { return nil }
        let (userID, hash, csrf, expires, name, role, created, revoked) = try row.decode(
            (String, Data, String, Date, String, String, Date, Date?).self
        )
        guard revoked == nil, constantTimeEqual(hash, token.secretHash), expires > now, let role = StaffRole(rawValue: role) else { return nil }
        return (
            StaffUser(id: userID, name: name, role: role, createdAt: created),
            StaffSession(id: token.userID, userID: userID, csrfToken: csrf, expiresAt: expires)
        )
    }

    public func endSession(id: String) async throws {
        try await database.mapErrors {
            try await database.client.query("DELETE FROM staff_sessions WHERE id = \(id)", logger: database.logger)
        }
    }
}
