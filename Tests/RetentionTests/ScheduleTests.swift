import CaseModel
import DemoData
import Foundation
import Retention
import SharingPolicy
import Storage
import Testing

@Suite("Retention schedule")
struct ScheduleTests {
    let sweeper = RetentionEvaluator(schedule: shippedSchedule)

    func candidate(
        status: CaseStatus = .closed,
        category: Category = .b,
        police: Bool = false,
        closed: String? = "2020-06-30",
        updated: String = "2020-06-30",
        flags: Set<String> = []
    ) -> RetentionCandidate {
        RetentionCandidate(
            id: "c",
            category: category,
            status: status,
            flags: flags,
            hasPoliceReference: police,
            receivedAt: date("2019-01-10"),
            closedAt: closed.map(date),
            updatedAt: date(updated),
            held: false
        )
    }

    @Test(
        "closed cases: 6 years after closure, expiring the day after",
        arguments: [
            ("2026-06-30", false), ("2026-07-01", true),
        ]
    )
    func closedSixYears(today: String, expired: Bool) {
        let decision = sweeper.decide(candidate(), on: CalendarDate(today)!)
        #expect(decision?.rule == "closed-cases" && decision?.keepUntil == CalendarDate("2026-06-30") && decision?.expired == expired)
    }

    @Test("closed Category C without a police reference: 3 years; with one, 6")
    func categoryC() {
        let day = CalendarDate("2023-07-01")!
        #expect(
            sweeper.decide(candidate(category: .c), on: day)
                == RetentionDecision(
                    rule: "closed-category-c-no-police",
                    outcome: .purge,
                    keepUntil: CalendarDate("2023-06-30"),
                    expired: true
                )
        )
        #expect(sweeper.decide(candidate(category: .c, police: true), on: day)?.rule == "closed-cases")
        #expect(sweeper.decide(candidate(category: .c, police: true), on: day)?.expired == false)
    }

    @Test("the demo's expired cases are past every rule, so a sweep purges them")
    func demoExpiredCases() {
        var generator = DemoCaseGenerator(seed: 3, clock: ServiceClock(calendar: WorkingDayCalendar()))
        for _ in 0..<200 {
            let c = generator.makeExpiredCase()
            let candidate = RetentionCandidate(
                id: c.id.uuidString,
                category: c.category,
                status: c.status,
                flags: c.flags,
                hasPoliceReference: c.policeReference != nil,
                receivedAt: c.receivedAt,
                closedAt: c.closedAt,
                updatedAt: c.updatedAt,
                held: false
            )
            let decision = sweeper.decide(candidate, on: CalendarDate(Date()))
            #expect(c.status == .closed)
            #expect(decision?.outcome == .purge && decision?.expired == true)
        }
    }

    @Test("a 29 February closure keeps to 28 February")
    func leapDay() {
        let decision = sweeper.decide(candidate(category: .c, closed: "2020-02-29"), on: CalendarDate("2023-03-01")!)
        #expect(decision?.keepUntil == CalendarDate("2023-02-28") && decision?.expired == true)
    }

    @Test("open cases idle for two years are due for review, never purge")
    func openReview() {
        let idle = candidate(status: .open, closed: nil, updated: "2024-11-25")
        #expect(
            sweeper.decide(idle, on: CalendarDate("2026-11-25")!)
                == RetentionDecision(
                    rule: "open-inactive",
                    outcome: .review,
                    keepUntil: CalendarDate("2026-11-25"),
                    expired: false
                )
        )
        #expect(sweeper.decide(idle, on: CalendarDate("2026-11-26")!)?.outcome == .review)
        #expect(sweeper.decide(idle, on: CalendarDate("2026-11-26")!)?.expired == true)
    }

    @Test("the shipped schedule covers every case and has a stable version")
    func shipped() {
        #expect(shippedSchedule.uncovered.isEmpty)
        #expect(shippedSchedule.version.hasPrefix("sha256:"))
        #expect(shippedSchedule.version == (try? RetentionSchedule.parse(text: "# c\n" + Self.shippedText, file: "x"))?.version)
    }

    static let shippedText = try! String(
        contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies/retention.yaml"),
        encoding: .utf8
    )

    func errors(_ text: String) -> [String] {
        do {
            _ = try RetentionSchedule.parse(text: text, file: "retention.yaml")
            return []
        } catch { return error.diagnostics.map(\.description) }
    }

    @Test("a schedule that leaves cases unmatched, or has a typo, is rejected with a position")
    func validation() {
        let withoutOpen = Self.shippedText.components(separatedBy: "  - id: open-inactive")[0]
        #expect(errors(withoutOpen).contains { $0.contains("no rule covers open Category A cases without a police reference") })
        #expect(
            errors(Self.shippedText.replacingOccurrences(of: "keep: 6 years", with: "keep: six years"))
                .contains { $0.hasPrefix("retention.yaml:14:11:") && $0.contains("'keep' must be like") }
        )
        #expect(
            errors(Self.shippedText.replacingOccurrences(of: "then: review", with: "then: reveiw"))
                .contains { $0.contains("did you mean 'review'?") }
        )
        #expect(
            errors(Self.shippedText.replacingOccurrences(of: "after: last_activity", with: "after: closure"))
                .contains { $0.contains("open cases have no closure date") }
        )
        #expect(
            errors(Self.shippedText.replacingOccurrences(of: "    match: { status: [closed] }", with: "    macth: { status: [closed] }"))
                .contains { $0.contains("unknown key 'macth'") && $0.contains("did you mean 'match'?") }
        )
    }
}
