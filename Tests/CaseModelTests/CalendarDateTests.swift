import CaseModel
import Foundation
import Testing

@Suite("Calendar dates and postcodes")
struct CalendarDateTests {
    @Test("description is YYYY-MM-DD for every day from year 1 to 9999, and round-trips")
    func description() {
        for days in stride(from: -719_162, through: 2_932_896, by: 97) {
            let date = CalendarDate(daysSinceEpoch: days)
            #expect(date.description == String(format: "%04d-%02d-%02d", date.year, date.month, date.day))
            #expect(CalendarDate(date.description) == date)
        }
    }

    @Test func roundTripsThroughDaysSinceEpoch() {
        for days in stride(from: -800_000, to: 800_000, by: 997) {
            #expect(CalendarDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(CalendarDate("1970-01-01")!.daysSinceEpoch == 0)
    }

    @Test func weekdays() {
        #expect(CalendarDate("2026-11-25")!.weekday == 3)  // Wednesday
        #expect(CalendarDate("2026-11-28")!.isWeekend)
        #expect(!CalendarDate("2026-11-27")!.isWeekend)
    }

    @Test func rejectsImpossibleDates() {
        #expect(CalendarDate("2025-02-29") == nil)
        #expect(CalendarDate("2024-02-29") != nil)
        #expect(CalendarDate("2024-13-01") == nil)
        #expect(CalendarDate("24-01-01") == nil)
    }

    @Test func localDateIsLondonTime() {
        // 23:30 UTC on 30 June is 00:30 on 1 July in British Summer Time.
        let instant = ISO8601DateFormatter().date(from: "2026-06-30T23:30:00Z")!
        #expect(CalendarDate(instant).description == "2026-07-01")
    }

    @Test func ages() {
        let dob = CalendarDate("2000-11-26")!
        #expect(dob.wholeYears(until: CalendarDate("2026-11-25")!) == 25)
        #expect(dob.wholeYears(until: CalendarDate("2026-11-26")!) == 26)
    }

    @Test(
        "UK postcodes are validated and normalised",
        arguments: [("w5 2hl", "W5 2HL"), ("UB109AB", "UB10 9AB"), ("EC1A 1BB", "EC1A 1BB"), (" sw1a2aa ", "SW1A 2AA")]
    )
    func postcodes(input: String, normalised: String) {
        #expect(Postcode(input)?.description == normalised)
        var text = input
        #expect(text.withUTF8 { Postcode.isValid(utf8: $0) })
    }

    @Test("postcode district and sector")
    func districtAndSector() {
        let postcode = Postcode("UB10 9AB")!
        #expect(postcode.district == "UB10")
        #expect(postcode.sector == "UB10 9")
    }

    @Test("not postcodes", arguments: ["", "W5", "12345", "W5 2H1", "WWW5 2HL", "W5 2HLL", "AB12 3CDE", "W5 2H£"])
    func notPostcodes(input: String) {
        #expect(Postcode(input) == nil)
        var text = input
        #expect(!text.withUTF8 { Postcode.isValid(utf8: $0) })
    }
}
