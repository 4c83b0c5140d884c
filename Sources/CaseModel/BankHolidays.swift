import Foundation

/// England and Wales bank holidays: computed from the standing rules, with
/// whole years replaced from an override file for one-off changes.
///
/// The standing rules: New Year's Day, Good Friday, Easter Monday, the first
/// and last Mondays of May, the last Monday of August, Christmas Day and
/// Boxing Day. A fixed-date holiday on a weekend moves to the next weekday
/// that is not already a holiday.
public struct BankHolidays: Sendable {
    /// Years whose holidays come from the override file rather than the rules.
    public private(set) var overrides: [Int: [Holiday]]

    public struct Holiday: Hashable, Sendable, Codable {
        public var title: String
        public var date: CalendarDate

        public init(title: String, date: CalendarDate) {
            self.title = title
            self.date = date
        }
    }

    public init(overrides: [Int: [Holiday]] = [:]) {
        self.overrides = overrides
    }

    /// Loads overrides in the format of the GOV.UK bank holidays JSON feed
    /// (`{"england-and-wales": {"events": [{"title", "date"}]}}`). Every year
    /// the file mentions replaces that year's computed list entirely.
    public init(overridesJSON data: Data) throws {
        struct Feed: Decodable {
            struct Division: Decodable {
                var events: [Holiday]
            }
            var englandAndWales: Division
            enum CodingKeys: String, CodingKey { case englandAndWales = "england-and-wales" }
        }
        let feed = try JSONDecoder().decode(Feed.self, from: data)
        self.init(overrides: Dictionary(grouping: feed.englandAndWales.events, by: \.date.year))
    }

    /// The holidays of one year, in date order.
    public func holidays(in year: Int) -> [Holiday] {
        if let listed = overrides[year] { return listed.sorted { $0.date < $1.date } }
        return Self.computed(year: year)
    }

    /// The holidays of one year from the standing rules alone.
    public static func computed(year: Int) -> [Holiday] {
        let easter = easterSunday(year: year)
        var taken = Set<CalendarDate>()
        var result: [Holiday] = []
        func add(_ title: String, _ date: CalendarDate) {
            result.append(Holiday(title: title, date: date))
            taken.insert(date)
        }
        add("Good Friday", easter.adding(days: -2))
        add("Easter Monday", easter.adding(days: 1))
        add("Early May bank holiday", nthWeekday(1, weekday: 1, month: 5, year: year))
        add("Spring bank holiday", lastWeekday(1, month: 5, year: year))
        add("Summer bank holiday", lastWeekday(1, month: 8, year: year))
        let fixed = [
            Holiday(title: "New Year’s Day", date: CalendarDate(year: year, month: 1, day: 1)!),
            Holiday(title: "Christmas Day", date: CalendarDate(year: year, month: 12, day: 25)!),
            Holiday(title: "Boxing Day", date: CalendarDate(year: year, month: 12, day: 26)!),
        ]
        // Weekday fixed holidays keep their day first, so substitutes skip past them.
        for holiday in fixed where !holiday.date.isWeekend { add(holiday.title, holiday.date) }
        for holiday in fixed where holiday.date.isWeekend {
            var day = holiday.date.adding(days: 1)
            while day.isWeekend || taken.contains(day) { day = day.adding(days: 1) }
            add("\(holiday.title) (substitute day)", day)
        }
        return result.sorted { $0.date < $1.date }
    }

    /// Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    public static func easterSunday(year: Int) -> CalendarDate {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CalendarDate(year: year, month: month, day: day)!
    }

    static func nthWeekday(_ n: Int, weekday: Int, month: Int, year: Int) -> CalendarDate {
        let first = CalendarDate(year: year, month: month, day: 1)!
        let offset = (weekday - first.weekday + 7) % 7
        return first.adding(days: offset + 7 * (n - 1))
    }

    static func lastWeekday(_ weekday: Int, month: Int, year: Int) -> CalendarDate {
        let last = CalendarDate(year: year, month: month, day: CalendarDate.daysIn(month: month, year: year))!
        return last.adding(days: -((last.weekday - weekday + 7) % 7))
    }
}
