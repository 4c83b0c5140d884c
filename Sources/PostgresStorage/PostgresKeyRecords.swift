import Foundation
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import Storage

/// Key records in `casegate_meta`, shared by every instance.
public struct PostgresKeyRecords: KeyRecords {
    let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    public func recorded(_ name: String) async throws -> Data? {
        try await database.mapErrors {
            try await database.client.query("SELECT value FROM casegate_meta WHERE name = \(name)", logger: database.logger)
                .collect().first?.decode(Data.self)
        }
    }

    public func replace(_ values: [String: Data], ifCurrent name: String, is expected: Data) async throws -> Bool {
        try await database.transaction { connection in
            let current = try await connection.query(
                "SELECT value FROM casegate_meta WHERE name = \(name) FOR UPDATE",
                logger: database.logger
            ).collect().first?.decode(Data.self)
            guard current == expected else { return false }
            for (key, value) in values {
                try await connection.query(
                    "INSERT INTO casegate_meta (name, value) VALUES (\(key), \(value)) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                    logger: database.logger
                )
            }
            return true
        }
    }

    public func record(_ name: String, _ value: Data) async throws -> Data {
        try await database.mapErrors {
            try await database.client.query(
                """
                INSERT INTO casegate_meta (name, value) VALUES (\(name), \(value))
                ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING value
                """,
                logger: database.logger
            ).collect().first?.decode(Data.self) ?? value
        }
    }
}
