import Foundation
import PostgresNIO
import Storage

/// Staff users in PostgreSQL; tokens stored only as hashes, compared in constant time.
public struct PostgresUserStore: UserStore {
    let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    public func add(name: String, role: StaffRole, tokenExpiresAt: Date) async throws -> (StaffUser, token: String) {
        let token = StaffToken.generate()
        let user = StaffUser(id: token.userID, name: name, role: role, createdAt: Date(), tokenExpiresAt: tokenExpiresAt)
        try await database.mapErrors {
            try await database.client.query(
                """
                INSERT INTO staff_users (id, name, role, token_hash, created_at, token_expires_at)
                VALUES (\(user.id), \(name), \(role.rawValue), \(token.secretHash), \(user.createdAt), \(tokenExpiresAt))
                """,
                logger: database.logger
            )
        }
        return (user, token.text)
    }

    public func list() async throws -> [StaffUser] {
        try await database.mapErrors {
            try await database.client.query("SELECT \(unescaped: Self.columns) FROM staff_users ORDER BY created_at", logger: database.logger)
                .collect().compactMap(Self.user)
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

    static let columns = "id, name, role, created_at, revoked_at, token_expires_at, token_last_used_at, subject"

    static func user(_ row: PostgresRow) throws -> StaffUser? {
        try user(row.decode((String, String, String, Date, Date?, Date?, Date?, String?).self))
    }

    static func user(_ columns: (String, String, String, Date, Date?, Date?, Date?, String?)) -> StaffUser? {
        let (id, name, role, created, revoked, expires, used, subject) = columns
        return StaffRole(rawValue: role).map {
            StaffUser(
                id: id,
                name: name,
                role: $0,
                createdAt: created,
                revokedAt: revoked,
                tokenExpiresAt: expires,
                tokenLastUsedAt: used,
                subject: subject
            )
        }
    }

    public func rotate(id: String, tokenExpiresAt: Date) async throws -> String? {
        let token = StaffToken.generate(userID: id)
        let rows = try await database.mapErrors {
            try await database.client.query(
                """
                UPDATE staff_users SET token_hash = \(token.secretHash), token_expires_at = \(tokenExpiresAt), token_last_used_at = NULL
                WHERE id = \(id) AND revoked_at IS NULL RETURNING id
                """,
                logger: database.logger
            ).collect()
        }
        return rows.count == 1 ? token.text : nil
    }

    public func check(token text: String, now: Date) async throws -> TokenCheck {
        guard let token = StaffToken(parsing: text) else { return .invalid }
        let rows = try await database.mapErrors {
            try await database.client.query(
                "SELECT \(unescaped: Self.columns), token_hash FROM staff_users WHERE id = \(token.userID)",
                logger: database.logger
            ).collect()
        }
        guard let row = rows.first else { return .invalid }
        let (id, name, role, created, revoked, expires, used, subject, hash) = try row.decode(
            (String, String, String, Date, Date?, Date?, Date?, String?, Data).self
        )
        guard let user = Self.user((id, name, role, created, revoked, expires, used, subject)), revoked == nil,
            constantTimeEqual(hash, token.secretHash)
        else { return .invalid }
        if user.tokenLastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            try await database.mapErrors {
                try await database.client.query("UPDATE staff_users SET token_last_used_at = \(now) WHERE id = \(user.id)", logger: database.logger)
            }
        }
        if let expiry = user.tokenExpiresAt, expiry <= now { return .expired(user, at: expiry) }
        return .valid(user)
    }

    public func user(subject: String) async throws -> StaffUser? {
        try await database.mapErrors {
            try await database.client.query("SELECT \(unescaped: Self.columns) FROM staff_users WHERE subject = \(subject)", logger: database.logger)
                .collect().compactMap(Self.user).first
        }
    }

    public func setRole(_ role: StaffRole, for id: String) async throws {
        try await database.mapErrors {
            try await database.client.query("UPDATE staff_users SET role = \(role.rawValue) WHERE id = \(id)", logger: database.logger)
        }
    }

    public func link(subject: String, to id: String) async throws -> Bool {
        try await database.mapErrors {
            try await database.client.query(
                "UPDATE staff_users SET subject = \(subject) WHERE id = \(id) AND subject IS NULL RETURNING id",
                logger: database.logger
            ).collect().count == 1
        }
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
            StaffUser(id: userID, name: name, role: role, createdAt: created, subject: nil),
            StaffSession(id: token.userID, userID: userID, csrfToken: csrf, expiresAt: expires)
        )
    }

    public func endSession(id: String) async throws {
        try await database.mapErrors {
            try await database.client.query("DELETE FROM staff_sessions WHERE id = \(id)", logger: database.logger)
        }
    }
}
