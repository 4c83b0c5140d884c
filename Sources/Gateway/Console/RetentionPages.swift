import CaseModel
import Foundation
import Hummingbird
import Ledger
import Retention
import SharingPolicy
import Storage

/// Retention on the console: past sweeps, the schedule and legal holds; for admins, a dry run, its review
/// (counts by rule and category, the cases, what each partner received of them) and "purge these cases",
/// which purges only that review's cases still expired and unheld, refused if the schedule or policies
/// changed since. A sweep's page shows its progress while it runs and its purge certificate when done.
struct RetentionPages {
    let service: RetentionService
    /// The most cases a review lists one by one; the counts always cover them all.
    static let listedCases = 500

    private var store: any RetentionStore { service.store }

    func addRoutes(to console: RouterGroup<StaffRequestContext>) {
        console.get("retention", use: retentionPage)
        console.post("retention/sweeps", use: startDryRun)
        console.get("retention/sweeps/{id}", use: sweepPage)
        console.post("retention/sweeps/{id}/purge", use: purgeReviewed)
    }

    @Sendable func retentionPage(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let sweeps = try await store.sweeps().map { record -> [String: Any] in
            let summary = SweepSummary.decode(record.summary) ?? SweepSummary()
            var row: [String: Any] = [
                "id": record.id, "started": LedgerEntry.timestamp(record.startedAt), "finished": record.finishedAt.map(LedgerEntry.timestamp) ?? "",
                "state": record.state, "dryRun": record.dryRun, "by": record.startedBy, "schedule": String(record.scheduleVersion.prefix(19)),
                "examined": summary.examined, "purged": summary.purged, "held": summary.held, "review": summary.dueForReview,
                "ledgerRange": Self.range(summary.firstLedgerIndex, summary.lastLedgerIndex),
            ]
            if let reviewOf = summary.reviewOf { row["reviewOf"] = reviewOf }
            return row
        }
        var page: [String: Any] = ["sweeps": sweeps, "noSweeps": sweeps.isEmpty, "admin": context.user?.role == .admin]
        let holds = try await store.holds().map {
            ["caseID": $0.caseID, "reason": $0.reason, "by": $0.placedBy, "at": LedgerEntry.timestamp($0.placedAt)]
        }
        page["holds"] = holds
        page["hasHolds"] = !holds.isEmpty
        do {
            let schedule = try RetentionSchedule.load(file: service.policiesDirectory.appendingPathComponent("retention.yaml"))
            page["scheduleVersion"] = schedule.version
            page["rules"] = schedule.rules.map { rule in
                [
                    "id": rule.id, "keep": rule.keep.description, "after": rule.after.rawValue, "then": rule.then.rawValue,
                    "statuses": rule.statuses.map { $0.map(\.rawValue).sorted().joined(separator: ", ") } ?? "any",
                    "categories": rule.categories.map { $0.map(\.rawValue).sorted().joined(separator: ", ") } ?? "any",
                    "flags": rule.flags.map { $0.sorted().joined(separator: ", ") } ?? "",
                ]
            }
        } catch {
            page["scheduleError"] = error.diagnostics.map(\.description).joined(separator: "\n")
        }
        return try ConsoleTemplates.page("retention", title: "Retention", page, context: context)
    }

    /// Starts a dry run and shows its page, which follows it until it finishes.
    @Sendable func startDryRun(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let user = try Self.requireAdmin(try await ConsoleForm.read(request), context)
        let id = try await service.start(dryRun: true, actor: LedgerActor(user))
        return Response(status: .seeOther, headers: [.location: "/console/retention/sweeps/\(id)"])
    }

    /// Purges the cases of the reviewed dry run that are still expired and unheld, and shows the purge's page.
    @Sendable func purgeReviewed(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let user = try Self.requireAdmin(try await ConsoleForm.read(request), context)
        let dryRun = try context.parameters.require("id")
        let id = try await service.start(dryRun: false, reviewOf: dryRun, actor: LedgerActor(user))
        return Response(status: .seeOther, headers: [.location: "/console/retention/sweeps/\(id)"])
    }

    /// A sweep: its progress while it runs; a dry run's review; a purge's certificate.
    @Sendable func sweepPage(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let record = try await store.sweep(id: id) else { throw Problem.notFound("no sweep \(id)") }
        let summary = SweepSummary.decode(record.summary) ?? SweepSummary()
        var page: [String: Any] = [
            "id": record.id, "kind": record.dryRun ? "dry run" : "purge", "state": record.state, "started": LedgerEntry.timestamp(record.startedAt),
            "finished": record.finishedAt.map(LedgerEntry.timestamp) ?? "–", "by": record.startedBy, "schedule": record.scheduleVersion,
            "examined": summary.examined, "held": summary.held, "review": summary.dueForReview,
        ]
        // Only what applies: a mustache section shows for any value that is present, even "" or 0.
        if let reviewOf = summary.reviewOf { page["reviewOf"] = ["id": reviewOf, "left": summary.leftSinceReview] }
        if let error = summary.error { page["error"] = error }
        if record.state == "running" {
            page["running"] = ["done": summary.done, "total": summary.total, "percent": summary.total > 0 ? summary.done * 100 / summary.total : 0]
            return try ConsoleTemplates.page("sweep", title: "Retention sweep", page, context: context, refreshSeconds: 2)
        }
        if record.dryRun {
            page["dryRunReview"] = try await review(record, summary, admin: context.user?.role == .admin)
            return try ConsoleTemplates.page("sweep", title: "Dry run review", page, context: context)
        }
        page["certificate"] = try await certificate(record.id)
        return try ConsoleTemplates.page("sweep", title: "Purge certificate", page, context: context)
    }

    /// What a purge of this dry run would do, and whether it may still be carried out.
    private func review(_ record: SweepRecord, _ summary: SweepSummary, admin: Bool) async throws -> [String: Any] {
        var review: [String: Any] = [
            "count": summary.purgeList.count,
            "byRule": summary.byRule.sorted { $0.key < $1.key }.map { ["name": $0.key, "count": $0.value] },
            "byCategory": summary.byCategory.sorted { $0.key < $1.key }.map { ["name": $0.key, "count": $0.value] },
        ]
        if summary.purgeList.count > Self.listedCases { review["more"] = summary.purgeList.count - Self.listedCases }
        let received = try await service.ledger.store.receipts(of: summary.purgeList.map(\.caseId))
        review["cases"] = summary.purgeList.prefix(Self.listedCases).map { item in
            [
                "caseID": item.caseId, "rule": item.rule, "category": item.category,
                "recipients": (received.byCase[item.caseId] ?? []).sorted().map(Self.name).joined(separator: ", "),
            ]
        }
        let cases = received.byCase.reduce(into: [Recipient: Int]()) { counts, item in
            for recipient in item.value { counts[recipient, default: 0] += 1 }
        }
        review["partners"] = received.fields.keys.sorted().map { recipient in
            [
                "recipient": Self.name(recipient), "cases": cases[recipient] ?? 0,
                "fields": received.fields[recipient]!.sorted().joined(separator: ", "),
            ] as [String: Any]
        }
        review["nothingReceived"] = received.fields.isEmpty
        guard admin, !summary.purgeList.isEmpty else { return review }
        do {
            let sweeper = try service.sweeper()
            _ = try await sweeper.reviewed(record.id, policyVersion: service.policyVersion)
            review["canPurge"] = true
        } catch let error as SweepError {
            review["cannotPurge"] = error.description
        }
        return review
    }

    /// A purge's certificate: what was purged, under which rule, with key destruction and the erasure entries.
    private func certificate(_ id: String) async throws -> [String: Any] {
        let tombstones = try await store.tombstones(sweepID: id)
        let indices = tombstones.compactMap(\.ledgerIndex)
        let rules = Dictionary(grouping: tombstones, by: \.rule).sorted { $0.key < $1.key }.map { rule, group in
            [
                "rule": rule, "count": group.count,
                "cases": group.map {
                    [
                        "caseID": $0.caseID, "category": $0.category, "keyDestroyed": $0.keyDestroyed,
                        "ledger": $0.ledgerIndex.map(String.init) ?? "pending",
                    ]
                },
            ] as [String: Any]
        }
        return [
            "purged": tombstones.count, "keysDestroyed": tombstones.filter(\.keyDestroyed).count,
            "ledgerRange": Self.range(indices.min(), indices.max()), "rules": rules, "hasRules": !rules.isEmpty,
        ]
    }

    private static func name(_ recipient: Recipient) -> String { recipient.partner + " / " + recipient.purpose }

    private static func range(_ first: Int?, _ last: Int?) -> String {
        guard let first, let last else { return "–" }
        return "\(first)–\(last)"
    }

    /// Sweeps are for admins, as on the API; IG officers see the same pages without the buttons.
    private static func requireAdmin(_ fields: [String: String], _ context: StaffRequestContext) throws -> StaffUser {
        try ConsoleForm.requireCSRF(fields, context: context)
        guard let user = context.user, user.role == .admin else { throw Problem.forbidden("retention sweeps are run by admins") }
        return user
    }

}
