import Foundation
import GRDB
import Storage

/// A row of `staff_users`.
struct StaffUserRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "staff_users"

    var id: String
    var name: String
    var role: String
    var tokenHash: Data
    var createdAt: Date
    var revokedAt: Date?
    var tokenExpiresAt: Date?
    var tokenLastUsedAt: Date?
    var subject: String?

    enum CodingKeys: String, CodingKey {
        case id, name, role, subject
        case tokenHash = "token_hash"
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
        case tokenExpiresAt = "token_expires_at"
        case tokenLastUsedAt = "token_last_used_at"
    }

    var user: StaffUser? {
        guard let role = StaffRole(rawValue: role) else { return nil }
        return StaffUser(
            id: id,
            name: name,
            role: role,
            createdAt: createdAt,
            revokedAt: revokedAt,
            tokenExpiresAt: tokenExpiresAt,
            tokenLastUsedAt: tokenLastUsedAt,
            subject: subject
        )
    }
}

public struct SQLiteUserStore: UserStore {
    let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    public func add(name: String, role: StaffRole, tokenExpiresAt: Date) async throws -> (StaffUser, token: String) {
        let token = StaffToken.generate()
        let record = StaffUserRecord(
            id: token.userID,
            name: name,
            role: role.rawValue,
            tokenHash: token.secretHash,
            createdAt: Date(),
            revokedAt: nil,
            tokenExpiresAt: tokenExpiresAt
        )
        try await mapErrors { try await database.cases.write { db in try record.insert(db) } }
        return (record.user!, token.text)
    }

    public func list() async throws -> [StaffUser] {
        try await mapErrors {
            try await database.cases.read { db in
                try StaffUserRecord.order(Column("created_at")).fetchAll(db).compactMap(\.user)
            }
        }
    }

    public func revoke(id: String) async throws -> Bool {
        try await mapErrors {
            try await database.cases.write { db in
                try db.execute(
                    sql: "UPDATE staff_users SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                    arguments: [Date(), id]
                )
                return try StaffUserRecord.fetchOne(db, key: id) != nil
            }
        }
    }

    public func rotate(id: String, tokenExpiresAt: Date) async throws -> String? {
        let token = StaffToken.generate(userID: id)
        let changed = try await mapErrors {
            try await database.cases.write { db in
                try db.execute(
                    sql: "UPDATE staff_users SET token_hash = ?, token_expires_at = ?, token_last_used_at = NULL WHERE id = ? AND revoked_at IS NULL",
                    arguments: [token.secretHash, tokenExpiresAt, id]
                )
                return db.changesCount
            }
        }
        return changed == 1 ? token.text : nil
    }

    public func check(token text: String, now: Date) async throws -> TokenCheck {
        guard let token = StaffToken(parsing: text) else { return .invalid }
        let record = try await mapErrors {
            try await database.cases.read { db in try StaffUserRecord.fetchOne(db, key: token.userID) }
        }
        guard let record, record.revokedAt == nil, constantTimeEqual(record.tokenHash, token.secretHash), let user = record.user else {
            return .invalid
        }
        if record.tokenLastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            try await mapErrors {
                try await database.cases.write { db in
                    try db.execute(sql: "UPDATE staff_users SET token_last_used_at = ? WHERE id = ?", arguments: [now, record.id])
                }
            }
        }
        if let expiry = record.tokenExpiresAt, expiry <= now { return .expired(user, at: expiry) }
        return .valid(user)
    }

    public func user(subject: String) async throws -> StaffUser? {
        try await mapErrors {
            try await database.cases.read { db in try StaffUserRecord.filter(Column("subject") == subject).fetchOne(db)?.user }
        }
    }

    public func setRole(_ role: StaffRole, for id: String) async throws {
        try await mapErrors {
            try await database.cases.write { db in
                try db.execute(sql: "UPDATE staff_users SET role = ? WHERE id = ?", arguments: [role.rawValue, id])
            }
        }
    }

    public func link(subject: String, to id: String) async throws -> Bool {
        try await mapErrors {
            try await database.cases.write { db in
                try db.execute(sql: "UPDATE staff_users SET subject = ? WHERE id = ? AND subject IS NULL", arguments: [subject, id])
                return db.changesCount == 1
            }
        }
    }

    public func saveSession(_ session: StaffSession, secretHash: Data) async throws {
        try await mapErrors {
            try await database.cases.write { db in
                try db.execute(sql: "DELETE FROM staff_sessions WHERE expires_at < ?", arguments: [Date()])
                try db.execute(
                    sql: """
                        INSERT INTO staff_sessions (id, user_id, secret_hash, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [session.id, session.userID, secretHash, session.csrfToken, Date(), session.expiresAt]
                )
            }
        }
    }

    public func session(token text: String, now: Date) async throws -> (StaffUser, StaffSession)? {
        guard let token = StaffToken(parsingSession: text) else { return nil }
        let found = try await mapErrors {
            try await database.cases.read { db -> (StaffUserRecord, StaffSession, Data)? in
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM staff_sessions WHERE id = ?", arguments: [token.userID]),
                    let user = try StaffUserRecord.fetchOne(db, key: row["user_id"] as String)
                else { return nil }
                let session = StaffSession(id: row["id"], userID: row["user_id"], csrfToken: row["csrf_token"], expiresAt: row["expires_at"])
                return (user, session, row["secret_hash"])
            }
        }
        guard let (record, session, hash) = found, record.revokedAt == nil, let user = record.user,
            constantTimeEqual(hash, token.secretHash), session.expiresAt > now
        else { return nil }
        return (user, session)
    }

    public func endSession(id: String) async throws {
        try await mapErrors {
            try await database.cases.write { db in try db.execute(sql: "DELETE FROM staff_sessions WHERE id = ?", arguments: [id]) }
        }
    }
}
