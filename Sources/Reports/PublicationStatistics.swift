import CaseModel

/// Counts of reports by ward, category and month for the council's newsletter and website. Counts from 1
/// to 4 are published as "<5", so no one can be picked out of a small number; there are no totals, which
/// would let a suppressed count be worked out.
public struct PublicationStatistics: Sendable {
    public static let smallest = 5

    public struct Cell: Sendable, Equatable {
        public var month: String
        public var ward: String
        public var category: Category
        public var count: Int

        /// What may be published: the count, or "<5".
        public var published: String { (1..<PublicationStatistics.smallest).contains(count) ? "<\(PublicationStatistics.smallest)" : String(count) }
    }

    public var cells: [Cell]

    public init(cases: [ASBCase]) {
        var counts: [String: Cell] = [:]
        for c in cases {
            let month = String(CalendarDate(c.receivedAt).description.prefix(7))
            let key = "\(month)|\(c.ward)|\(c.category.rawValue)"
            counts[key, default: Cell(month: month, ward: c.ward, category: c.category, count: 0)].count += 1
        }
        cells = counts.values.sorted { ($0.month, $0.ward, $0.category.rawValue) < ($1.month, $1.ward, $1.category.rawValue) }
    }

    public var csv: CSVTable {
        var table = CSVTable(header: ["month", "ward", "category", "reports"])
        for cell in cells { table.append([cell.month, cell.ward, cell.category.rawValue, cell.published]) }
        return table
    }
}
