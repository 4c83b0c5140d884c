import ArgumentParser
import Foundation
import Gateway
import Ledger
import PostgresStorage
import SQLiteStorage
import Storage
import StoreCopy

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Move the embedded store.",
        subcommands: [Copy.self]
    )

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the embedded SQLite store into an empty PostgreSQL database, then check the copy.",
            discussion: """
                Stop every gateway on the store first. Cases, keys (into the target's casegate_keys schema, or its key database), users, legal holds, \
                sweeps, tombstones and the ledger (every entry byte for byte, its checkpoints and tile roots) are copied in \
                batches; an interrupted copy resumes when run again. A target holding anything else is refused. Afterwards \
                the target's ledger is verified and its root at every checkpoint compared with the source's.
                """
        )

        @Option(help: "Data directory of the embedded store (and of the master and ledger keys).")
        var dataDir = "data"

        @Option(help: "The target: a postgres:// URL of an empty database.")
        var to: String

        @Option(help: "A postgres:// URL of an empty database for the target's data keys (its key_database), so its backups hold none.")
        var toKeyDatabase: String?

        @Option(help: "The ledger origin (the configuration's ledger_origin).")
        var origin = GatewayConfiguration().ledgerOrigin

        func run() async throws {
            let started = ContinuousClock.now
            let directory = URL(fileURLWithPath: dataDir)
            for file in [SQLiteDatabase.caseFileName, SQLiteDatabase.keyFileName] {
                guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path) else {
                    throw ValidationError("no embedded store in \(dataDir): \(file) is missing")
                }
            }
            let source = try SQLiteDatabase(directory: directory)
            let backend = SQLiteBackend(database: source)
            let key = try await LedgerKeySetup.open(dataDirectory: dataDir, origin: origin, storage: backend)
            let keys = try await LedgerKeySetup.history(storage: backend, current: key)
            let target = try await PostgresDatabase.open(
                url: try PostgresURL(to),
                keyDatabase: try toKeyDatabase.map { try PostgresURL($0) },
                keys: .fixed(source.masterKeys.current)
            )
            do {
                try await copy(source, into: target, key: key, keys: keys, started: started)
            } catch {
                await target.close()
                throw error
            }
            await target.close()
        }

        private func copy(
            _ source: SQLiteDatabase,
            into target: PostgresDatabase,
            key: LedgerSigningKey,
            keys: LedgerKeyHistory,
            started: ContinuousClock.Instant
        ) async throws {
            let copy = StoreCopy(source: source, target: target)
            let report: StoreCopy.Report
            do {
                report = try await copy.run { table in
                    if table.sourceRows % 50_000 < copy.batchRows { print("  \(table.table): \(table.sourceRows) rows read") }
                }
            } catch let error as StoreCopyError {
                throw ValidationError(error.description)
            }
            if report.resumed { print("resumed an earlier copy") }
            for table in report.tables {
                print("\(table.table): \(table.sourceRows) rows, \(table.copiedRows) written")
            }
            let verification = try await copy.verify(key: key, keys: keys, origin: origin)
            if let problem = verification.problem {
                print("FAILED: \(problem)")
                throw ExitCode.failure
            }
            print(
                "ok: \(verification.entries) ledger entries identical and verified, roots equal at \(verification.checkpoints) checkpoints; "
                    + "\(ContinuousClock.now - started) in all"
            )
        }
    }
}
