import CaseModel
import Foundation
import Hummingbird

/// A case as a caseworker sees it, with its service standards judged today.
struct CaseResponse: ResponseEncodable, Sendable {
    var `case`: ASBCase
    /// The case's version, also its `ETag`: send it back as `If-Match` with an amendment.
    var version: Int
    var serviceStandards: [ServiceStandardStatus]
    var overdue: Bool

    init(_ c: ASBCase, clock: ServiceClock, today: CalendarDate) {
        self.case = c
        self.version = c.version
        self.serviceStandards = clock.statuses(of: c, on: today)
        self.overdue = serviceStandards.contains { $0.state == .overdue }
    }
}

struct CaseListResponse: ResponseEncodable, Sendable {
    var cases: [CaseResponse]
    var nextCursor: String?
}
