import CaseModel
import Testing

@testable import Redaction

@Suite("Dates in views")
struct DateTextTests {
    @Test("a date is written as CalendarDate prints it, in and outside years 0–9999")
    func datesAsCalendarDatePrintsThem() throws {
        let dates = [
            try #require(CalendarDate(year: 2026, month: 11, day: 25)),
            try #require(CalendarDate(year: 12026, month: 1, day: 2)),
            try #require(CalendarDate(year: -5, month: 3, day: 4)),
        ]
        for date in dates {
            var out: [UInt8] = []
            Transforms.appendDate(date, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == date.description)
        }
        #expect(dates[0].description == "2026-11-25")
    }
}
