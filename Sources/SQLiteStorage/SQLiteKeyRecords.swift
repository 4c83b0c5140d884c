import Foundation
import GRDB
import Storage

/// Key records in the case database's `casegate_meta`.
public struct SQLiteKeyRecords: KeyRecords {
    let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    public func recorded(_ name: String) async throws -> Data? {
        try await database.cases.read { db in try Data.fetchOne(db, sql: "SELECT value FROM casegate_meta WHERE name = ?", arguments: [name]) }
    }

    public func replace(_ values: [String: Data], ifCurrent name: String, is expected: Data) async throws -> Bool {
        try await database.cases.write { db in
            guard try Data.fetchOne(db, sql: "SELECT value FROM casegate_meta WHERE name = ?", arguments: [name]) == expected else { return false }
            for (key, value) in values {
                try db.execute(sql: "INSERT OR REPLACE INTO casegate_meta (name, value) VALUES (?, ?)", arguments: [key, value])
            }
            return true
        }
    }

    public func record(_ name: String, _ value: Data) async throws -> Data {
        try await database.cases.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO casegate_meta (name, value) VALUES (?, ?)", arguments: [name, value])
            return try Data.fetchOne(db, sql: "SELECT value FROM casegate_meta WHERE name = ?", arguments: [name]) ?? value
        }
    }
}
