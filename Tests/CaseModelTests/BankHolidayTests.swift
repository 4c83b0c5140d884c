import CaseModel
import Foundation
import Testing

@Suite("England and Wales bank holidays")
struct BankHolidayTests {
    /// The official list from GOV.UK for 2019-2027.
    static let official: [Int: [String]] = [
        2019: ["2019-01-01", "2019-04-19", "2019-04-22", "2019-05-06", "2019-05-27", "2019-08-26", "2019-12-25", "2019-12-26"],
        2020: ["2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28"],
        2021: ["2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30", "2021-12-27", "2021-12-28"],
        2022: [
            "2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19",
            "2022-12-26", "2022-12-27",
        ],
        2023: [
            "2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28", "2023-12-25",
            "2023-12-26",
        ],
        2024: ["2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26"],
        2025: ["2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26"],
        2026: ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"],
        2027: ["2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28"],
    ]

    static let shippedOverrides = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("policies/bank-holidays.json")

    @Test("rules plus the shipped override file give every official holiday of 2019-2027", arguments: 2019...2027)
    func matchesOfficialList(year: Int) throws {
        let holidays = try BankHolidays(overridesJSON: Data(contentsOf: Self.shippedOverrides))
        #expect(holidays.holidays(in: year).map(\.date.description) == Self.official[year])
    }

    @Test(
        "the rules alone give the official list in years without one-off changes",
        arguments: [2019, 2021, 2024, 2025, 2026, 2027]
    )
    func rulesAloneMatchOrdinaryYears(year: Int) {
        #expect(BankHolidays.computed(year: year).map(\.date.description) == Self.official[year])
    }

    @Test("the rules alone miss the one-off changes, which is why the override file exists")
    func oneOffYearsNeedOverrides() {
        #expect(!BankHolidays.computed(year: 2022).map(\.date.description).contains("2022-09-19"))
        #expect(BankHolidays.computed(year: 2020).map(\.date.description).contains("2020-05-04"))
    }

    @Test("Easter Sunday", arguments: [(2019, "2019-04-21"), (2024, "2024-03-31"), (2025, "2025-04-20"), (2038, "2038-04-25")])
    func easter(year: Int, expected: String) {
        #expect(BankHolidays.easterSunday(year: year).description == expected)
    }

    @Test("substitute days move forward past other holidays")
    func substitutes() {
        // 2021: Christmas on Saturday, Boxing Day on Sunday.
        let titles = BankHolidays.computed(year: 2021).suffix(2).map(\.title)
        #expect(titles == ["Christmas Day (substitute day)", "Boxing Day (substitute day)"])
    }

    @Test("an override file that is not the GOV.UK format is rejected")
    func badOverrideFile() {
        #expect(throws: DecodingError.self) {
            try BankHolidays(overridesJSON: Data(#"{"scotland": {"events": []}}"#.utf8))
        }
    }
}
