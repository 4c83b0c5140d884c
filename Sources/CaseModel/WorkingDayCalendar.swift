import Foundation
import Synchronization

/// Counts working days (Monday to Friday, not bank holidays) for service clocks.
public final class WorkingDayCalendar: Sendable {
    public let bankHolidays: BankHolidays
    private let cache = Mutex<[Int: Set<CalendarDate>]>([:])

    public init(bankHolidays: BankHolidays = BankHolidays()) {
        self.bankHolidays = bankHolidays
    }

    public func isBankHoliday(_ date: CalendarDate) -> Bool {
        holidaySet(year: date.year).contains(date)
    }

    public func isWorkingDay(_ date: CalendarDate) -> Bool {
        !date.isWeekend && !isBankHoliday(date)
    }

    /// The `count`-th working day after `date`; the day itself never counts,
    /// so a report made on a Saturday with one working day is due on Monday.
    public func adding(workingDays count: Int, to date: CalendarDate) -> CalendarDate {
        precondition(count >= 0, "working days must not be negative")
        var day = date
        var remaining = count
        while remaining > 0 {
            day = day.adding(days: 1)
            if isWorkingDay(day) { remaining -= 1 }
        }
        return day
    }

    /// Working days strictly after `from` up to and including `to`.
    public func workingDays(from: CalendarDate, to: CalendarDate) -> Int {
        guard from < to else { return 0 }
        var count = 0
        var day = from.adding(days: 1)
        while day <= to {
            if isWorkingDay(day) { count += 1 }
            day = day.adding(days: 1)
        }
        return count
    }

    private func holidaySet(year: Int) -> Set<CalendarDate> {
        cache.withLock { cache in
            if let set = cache[year] { return set }
            let set = Set(bankHolidays.holidays(in: year).map(\.date))
            cache[year] = set
            return set
        }
    }
}
