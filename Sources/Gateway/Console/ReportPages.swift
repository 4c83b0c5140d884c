import ByteEncoding
import CaseModel
import Foundation
import Hummingbird
import Reports
import SharingPolicy
import Storage

/// The reports: service standards (table and chart), the community trigger watch, records of
/// processing, publication statistics; CSV for each that is shared outside the team.
struct ReportPages {
    let cases: any CaseStore
    let clock: ServiceClock
    let policies: PolicyStore
    let policiesDirectory: URL
    let audit: Audit
    let now: @Sendable () -> Date

    func addRoutes(to console: RouterGroup<StaffRequestContext>) {
        console.get("service-standards", use: serviceStandards)
        console.get("service-standards.csv", use: serviceStandardsCSV)
        console.get("community-trigger", use: communityTrigger)
        console.get("records-of-processing", use: recordsOfProcessing)
        console.get("records-of-processing.csv", use: recordsOfProcessingCSV)
        console.get("publication-statistics", use: publication)
        console.get("publication-statistics.csv", use: publicationCSV)
    }

    private var today: CalendarDate { CalendarDate(now()) }

    @Sendable func serviceStandards(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let report = ServiceStandardsReport(cases: try await cases.allCases(), clock: clock, today: today)
        func cell(_ m: ServiceStandardsReport.Measure) -> [String: Any] {
            ["percent": m.percent, "kept": m.kept, "due": m.due, "late": m.keptOnLateEntry, "hasLate": m.keptOnLateEntry > 0]
        }
        let rows = report.rows.map { r -> [String: Any] in
            [
                "month": r.month, "category": r.category.rawValue, "cases": r.cases, "interview": cell(r.interview), "actionPlan": cell(r.actionPlan),
                "updates": r.category == .a ? cell(r.fortnightlyUpdates) : ["percent": "n/a", "kept": 0, "due": 0],
                "closure": cell(r.closureNotification), "homeVisit": cell(r.homeVisit), "femaleOfficer": cell(r.femaleOfficer),
            ]
        }
        let overdue = report.overdue.map {
            [
                "caseID": $0.caseID, "reference": $0.reference, "category": $0.category.rawValue, "standard": $0.standard.rawValue,
                "due": $0.due.description, "days": $0.daysOverdue,
            ] as [String: Any]
        }
        let page: [String: Any] = [
            "rows": rows, "overdue": overdue, "noOverdue": overdue.isEmpty, "today": today.description,
            "chart": ServiceStandardsChart.svg(report),
        ]
        return try ConsoleTemplates.page("service-standards", title: "Service standards", page, context: context)
    }

    @Sendable func serviceStandardsCSV(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let report = ServiceStandardsReport(cases: try await cases.allCases(), clock: clock, today: today)
        return csv(report.csv, name: "service-standards.csv")
    }

    /// Lists people and places by name and address: staff-only processing, so it is recorded in the ledger.
    @Sendable func communityTrigger(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let watch = CommunityTriggerWatch(cases: try await cases.allCases(), today: today)
        let ids = Set(watch.matches.flatMap(\.caseIDs)).compactMap(UUID.init(text:))
        if !ids.isEmpty {
            try await audit.staff(
                try context.requireUser(),
                .consultation,
                caseIDs: ids.sorted { $0.text < $1.text },
                requestID: context.requestID,
                details: ["console": "community-trigger"]
            )
        }
        let matches = watch.matches.map { m -> [String: Any] in
            [
                "subject": m.subject.rawValue, "label": m.label, "complaints": m.complaints, "hate": m.hateIncidents, "reason": m.reason,
                "cases": zip(m.caseIDs, m.references).map { ["id": $0.0, "reference": $0.1] },
            ]
        }
        let page: [String: Any] = ["matches": matches, "none": matches.isEmpty, "since": watch.since.description, "today": today.description]
        return try ConsoleTemplates.page("community-trigger", title: "Community trigger watch", page, context: context)
    }

    private func ropa() throws -> RecordsOfProcessing {
        let schedule = try RetentionSchedule.load(file: policiesDirectory.appendingPathComponent("retention.yaml"))
        return RecordsOfProcessing(policies: policies.current.policySet, schedule: schedule, today: today)
    }

    @Sendable func recordsOfProcessing(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let ropa = try ropa()
        let activities = ropa.activities.map { a -> [String: Any] in
            [
                "recipient": a.recipient, "partnerID": a.partnerID, "purposeID": a.purposeID, "purpose": a.purpose, "lawfulBasis": a.lawfulBasis,
                "data": a.dataCategories.joined(separator: ", "), "subjects": a.dataSubjects.joined(separator: ", "), "records": a.recordsShared,
                "special": a.specialCategoryData, "criminal": a.criminalOffenceData, "agreement": a.agreementReference,
                "review": a.agreementReviewDate.description, "overdue": a.reviewOverdue, "recipientRetention": a.recipientRetention,
            ]
        }
        let page: [String: Any] = [
            "controller": ropa.controller, "activities": activities, "retention": ropa.retention.map { ["rule": $0] },
            "policyVersion": ropa.policyVersion, "scheduleVersion": ropa.scheduleVersion,
        ]
        return try ConsoleTemplates.page("records-of-processing", title: "Records of processing", page, context: context)
    }

    @Sendable func recordsOfProcessingCSV(_ request: Request, context: StaffRequestContext) async throws -> Response {
        csv(try ropa().csv, name: "records-of-processing.csv")
    }

    @Sendable func publication(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let stats = PublicationStatistics(cases: try await cases.allCases())
        let cells = stats.cells.map { ["month": $0.month, "ward": $0.ward, "category": $0.category.rawValue, "reports": $0.published] }
        return try ConsoleTemplates.page(
            "publication-statistics",
            title: "Publication statistics",
            ["cells": cells, "smallest": PublicationStatistics.smallest],
            context: context
        )
    }

    @Sendable func publicationCSV(_ request: Request, context: StaffRequestContext) async throws -> Response {
        csv(PublicationStatistics(cases: try await cases.allCases()).csv, name: "asb-statistics.csv")
    }

    private func csv(_ table: CSVTable, name: String) -> Response {
        table.download(name: name)
    }
}
