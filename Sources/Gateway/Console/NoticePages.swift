import CaseModel
import Foundation
import Hummingbird
import Ledger
import Reports

/// The IG console's notices page: for each partner, the notices it has not acknowledged (UK GDPR Art 19:
/// recipients told of rectification, restriction and erasure), how old each is in working days, and those
/// past the configured limit highlighted; CSV.
struct NoticePages {
    let ledger: Ledger
    let calendar: WorkingDayCalendar
    let overdueAfter: Int
    let now: @Sendable () -> Date

    func addRoutes(to console: RouterGroup<StaffRequestContext>) {
        console.get("notices", use: page)
        console.get("notices.csv", use: csv)
    }

    struct Outstanding {
        var index: Int
        var partner: String
        var purpose: String
        var caseID: String
        var kind: String
        var time: String
        var workingDays: Int
    }

    /// Every notice not yet acknowledged, oldest first.
    func outstanding() async throws -> [Outstanding] {
        let entries = try await ledger.store.query(LedgerQuery(actions: [.notification, .acknowledgement], limit: 10_000_000))
        var acknowledged = Set<Int>()
        var notices: [LedgerEntry] = []
        for stored in entries {
            let entry = try stored.decoded()
            if entry.action == .acknowledgement, let notice = entry.details?["notice"].flatMap(Int.init) { acknowledged.insert(notice) }
            if entry.action == .notification { notices.append(entry) }
        }
        let today = CalendarDate(now())
        // Entry times are RFC 3339 with fractional seconds.
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return notices.filter { !acknowledged.contains($0.index) }.map { entry in
            let day = format.date(from: entry.time).map { CalendarDate($0) } ?? today
            return Outstanding(
                index: entry.index,
                partner: entry.recipient ?? "",
                purpose: entry.purpose ?? "",
                caseID: entry.caseIDs.first ?? "",
                kind: entry.details?["kind"] ?? "",
                time: entry.time,
                workingDays: calendar.workingDays(from: day, to: today)
            )
        }
    }

    @Sendable func page(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let all = try await outstanding()
        let partners = Dictionary(grouping: all, by: \.partner).sorted { $0.key < $1.key }.map { partner, notices -> [String: Any] in
            [
                "partner": partner, "count": notices.count, "overdue": notices.filter { $0.workingDays > overdueAfter }.count,
                "oldest": notices.map(\.workingDays).max() ?? 0,
                "notices": notices.map { n -> [String: Any] in
                    [
                        "index": n.index, "purpose": n.purpose, "caseID": n.caseID, "kind": n.kind, "time": n.time, "days": n.workingDays,
                        "late": n.workingDays > overdueAfter,
                    ]
                },
            ]
        }
        let page: [String: Any] = ["partners": partners, "none": all.isEmpty, "limit": overdueAfter]
        return try ConsoleTemplates.page("notices", title: "Notices to recipients", page, context: context)
    }

    @Sendable func csv(_ request: Request, context: StaffRequestContext) async throws -> Response {
        var table = CSVTable(header: ["notice", "partner", "purpose", "case_id", "kind", "time", "working_days", "overdue"])
        for n in try await outstanding() {
            table.append([
                String(n.index), n.partner, n.purpose, n.caseID, n.kind, n.time, String(n.workingDays), n.workingDays > overdueAfter ? "yes" : "no",
            ])
        }
        return table.download(name: "notices.csv")
    }
}
