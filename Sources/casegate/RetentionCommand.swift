import ArgumentParser
import ByteEncoding
import CaseModel
import Foundation
import Gateway
import Ledger
import Retention
import SQLiteStorage
import SharingPolicy
import Storage

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Retention sweeps, legal holds and purge certificates.",
        subcommands: [Sweep.self, Report.self, Hold.self, Release.self, Holds.self]
    )

    struct Options: ParsableArguments {
        @OptionGroup var storage: StorageOptions
        @Option(help: "Policy directory (for retention.yaml).") var policiesDir = "policies"
        @Option(help: "The ledger origin (the configuration's ledger_origin).") var origin = GatewayConfiguration().ledgerOrigin

        /// The policy set's version, kept with a sweep; nil when the policies do not load (a sweep needs only the schedule).
        var policyVersion: String? { try? PolicySet.load(directory: URL(fileURLWithPath: policiesDir)).version }

        func sweeper() async throws -> RetentionSweeper {
            let schedule = try loadSchedule(policiesDir)
            let backend = try await storage.open()
            let ledger = try await storage.ledger(backend, origin: origin)
            return RetentionSweeper(store: backend.retention, ledger: ledger, schedule: schedule)
        }
    }

    struct Sweep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Purge expired cases by the schedule (or, with --dry-run, list what would go).",
            discussion: "Interruptible: a sweep killed part way leaves every case whole or purged; the next sweep finishes the job."
        )
        @OptionGroup var options: Options
        @Flag(help: "Count and list what would be purged; change nothing.") var dryRun = false
        @Option(
            help:
                "A completed dry run to purge as reviewed: only its cases still expired and unheld; refused if the schedule or policies changed since."
        )
        var reviewOf: String?
        @Option(help: "The most cases purged in one transaction.") var batchSize = 5000
        @Option(help: "Milliseconds one purge transaction may hold the write lock (disclosures wait for it); 0 for fixed batches of --batch-size.")
        var batchMilliseconds = 25

        func run() async throws {
            guard !(dryRun && reviewOf != nil) else { throw ValidationError("--review-of purges a reviewed dry run; it cannot be a dry run itself") }
            let sweeper = try await options.sweeper()
            let terminal = isatty(STDOUT_FILENO) == 1
            let policyVersion = options.policyVersion
            var reviewed: ReviewedDryRun?
            if let reviewOf { reviewed = try await sweeper.reviewed(reviewOf, policyVersion: policyVersion) }
            let record = try await sweeper.run(
                dryRun: dryRun,
                startedBy: cliActor,
                reviewed: reviewed,
                policyVersion: policyVersion,
                batchSize: batchSize,
                batchTime: batchMilliseconds > 0 ? .milliseconds(batchMilliseconds) : nil,
                onProgress: { ProgressDisplay.show($0, terminal: terminal) }
            )
            if terminal && !dryRun { print("") }
            let summary = SweepSummary.decode(record.summary) ?? SweepSummary()
            print(dryRun ? "dry run \(record.id): nothing changed" : "sweep \(record.id): \(record.state)")
            print("schedule \(record.scheduleVersion)")
            print(
                "examined \(summary.examined); \(dryRun ? "would purge" : "purged") \(summary.purged); held \(summary.held); due for review \(summary.dueForReview)"
            )
            if let reviewOf, summary.leftSinceReview > 0 {
                print("\(summary.leftSinceReview) case(s) of dry run \(reviewOf) left: held, no longer expired, or gone since the review")
            }
            if summary.resumed > 0 { print("finished \(summary.resumed) purge(s) an interrupted sweep left") }
            for (rule, n) in summary.byRule.sorted(by: { $0.key < $1.key }) { print("  rule \(rule): \(n)") }
            for (category, n) in summary.byCategory.sorted(by: { $0.key < $1.key }) { print("  category \(category): \(n)") }
            if dryRun {
                for id in summary.purgedCaseIDs { print("  would purge \(id)") }
            }
            for id in summary.reviewCaseIDs { print("  for review \(id)") }
            for id in summary.heldCaseIDs { print("  held \(id)") }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a sweep's purge certificate: what was purged, under which rule, and the ledger range recording it."
        )
        @OptionGroup var options: Options
        @Option(help: "The sweep id.") var sweep: String

        func run() async throws {
            let sweeper = try await options.sweeper()
            guard let record = try await sweeper.store.sweep(id: sweep) else { throw ValidationError("no sweep \(sweep)") }
            let summary = SweepSummary.decode(record.summary) ?? SweepSummary()
            let tombstones = try await sweeper.store.tombstones(sweepID: sweep)
            print("PURGE CERTIFICATE")
            print("sweep:            \(record.id) (\(record.dryRun ? "dry run" : "purge"), \(record.state))")
            print("started:          \(record.startedAt.ISO8601Format()) by \(record.startedBy)")
            print("finished:         \(record.finishedAt?.ISO8601Format() ?? "-")")
            print("schedule version: \(record.scheduleVersion)")
            print("cases purged:     \(tombstones.count) (data deleted, data keys destroyed: \(tombstones.filter(\.keyDestroyed).count))")
            let indices = tombstones.compactMap(\.ledgerIndex)
            if let low = indices.min(), let high = indices.max() {
                print("ledger entries:   \(low)...\(high) (action erasure; check with: casegate ledger verify)")
            }
            for (rule, group) in Dictionary(grouping: tombstones, by: \.rule).sorted(by: { $0.key < $1.key }) {
                print("rule \(rule): \(group.count)")
                for t in group { print("  \(t.caseID)  category \(t.category)  ledger \(t.ledgerIndex.map(String.init) ?? "pending")") }
            }
            if summary.held > 0 { print("left under legal hold: \(summary.heldCaseIDs.joined(separator: ", "))") }
        }
    }

    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Place a legal hold on a case: it will not be purged until released.")
        @OptionGroup var options: Options
        @Option(name: .customLong("case"), help: "Case id.") var caseID: String
        @Option(help: "Why (no personal data: e.g. a court or claim reference).") var reason: String

        func run() async throws {
            let sweeper = try await options.sweeper()
            guard let id = UUID(text: caseID)?.text else { throw ValidationError("not a case id: \(caseID)") }
            let placed = try await sweeper.store.placeHold(
                caseID: id,
                reason: reason,
                by: cliActor.id,
                recordedBy: LedgerDraft(actor: cliActor, action: .legalHoldPlaced, caseIDs: [id]),
                in: sweeper.ledger
            )
            print(placed ? "hold placed on \(id)" : "\(id) was already held")
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a legal hold.")
        @OptionGroup var options: Options
        @Option(name: .customLong("case"), help: "Case id.") var caseID: String

        func run() async throws {
            let sweeper = try await options.sweeper()
            guard let id = UUID(text: caseID)?.text else { throw ValidationError("not a case id: \(caseID)") }
            let lifted = try await sweeper.store.liftHold(
                caseID: id,
                recordedBy: LedgerDraft(actor: cliActor, action: .legalHoldLifted, caseIDs: [id]),
                in: sweeper.ledger
            )
            print(lifted ? "hold lifted from \(id)" : "\(id) was not held")
        }
    }

    struct Holds: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List cases under legal hold.")
        @OptionGroup var options: Options

        func run() async throws {
            for hold in try await options.sweeper().store.holds() {
                print("\(hold.caseID)\t\(hold.placedAt.ISO8601Format())\t\(hold.placedBy)\t\(hold.reason)")
            }
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a data backup of the embedded store: the case database only, without the key store or master key.",
        discussion: """
            Because data keys are never in a backup, purging a case shreds it in every backup too. With PostgreSQL, \
            use pg_dump --exclude-schema=casegate_keys to the same effect (see docs/operating/backup.md).
            """
    )
    @Option(help: "Data directory.") var dataDir = "data"
    @Option(help: "Directory to write the backup to.") var output: String

    func run() async throws {
        let directory = URL(fileURLWithPath: dataDir)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(SQLiteDatabase.caseFileName).path) else {
            throw ValidationError("no embedded store in \(dataDir) to back up")
        }
        let database = try SQLiteDatabase(directory: directory)
        let file = try await SQLiteRetentionStore(database: database).backup(to: URL(fileURLWithPath: output))
        print("backup written to \(file.path) (no keys: keep keys.sqlite and master.key backed up separately and securely)")
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore the embedded store from a backup, refusing to lose ledger entries partners may hold checkpoints for.",
        discussion: """
            Stop every gateway on the store first. The keys (keys.sqlite, master.key, ledger.key) stay as they are: a backup \
            never holds them. If checkpoints beyond the backup's ledger were given out (data/checkpoints.log), the restore is \
            refused, naming the lost range; --acknowledge-lost-entries restores anyway and records the range in a restore entry.
            """
    )
    @Option(help: "Data directory.") var dataDir = "data"
    @Option(help: "The backup: the folder casegate backup wrote, or its casegate.sqlite.") var from: String
    @Option(help: "The ledger origin (the configuration's ledger_origin).") var origin = GatewayConfiguration().ledgerOrigin
    @Flag(help: "Restore even though entries given out in checkpoints are lost; a restore entry records them.")
    var acknowledgeLostEntries = false

    func run() async throws {
        let restored: StoreRestore.Restored
        do {
            restored = try await StoreRestore.restore(
                from: from,
                dataDirectory: dataDir,
                origin: origin,
                acknowledgeLostEntries: acknowledgeLostEntries,
                actor: cliActor
            )
        } catch let error as StoreRestoreError {
            throw ValidationError(error.description)
        } catch let error as SQLiteBackupError {
            throw ValidationError(error.description)
        }
        if let lost = restored.lost, let entry = restored.restoreEntry {
            print("restored; entries \(lost.lowerBound)..<\(lost.upperBound) are lost, recorded by restore entry \(entry)")
        } else {
            print("restored; the ledger has \(restored.ledgerSize) entries and loses none given out")
        }
    }
}

/// Who the ledger says acted, for commands run at the shell: the operating-system user.
var cliActor: LedgerActor { LedgerActor(kind: .system, id: "cli:\(NSUserName())") }

/// A progress bar on a terminal; plain lines otherwise.
enum ProgressDisplay {
    static func show(_ p: SweepProgress, terminal: Bool) {
        let eta = p.eta.map { "\(Int(Double($0.components.seconds)))s" } ?? "-"
        let rate = String(format: "%.0f/s", p.rate)
        if terminal {
            let width = 30
            let filled = p.total == 0 ? width : width * p.done / p.total
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardOutput.write(Data("\r[\(bar)] \(p.done)/\(p.total) \(rate) ETA \(eta)   ".utf8))
        } else {
            print("progress: \(p.done)/\(p.total) cases, \(rate), eta \(eta)")
        }
    }
}
