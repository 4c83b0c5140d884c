import CaseModel
import Reports

/// The service standards as an inline SVG: for each of the last twelve months, one bar per category for
/// each standard's share kept to time. Presentation attributes only (the CSP allows no inline styles);
/// every label is a month, a category letter or a number, so nothing in it comes from case text.
enum ServiceStandardsChart {
    static let colours: [Category: String] = [.a: "#8c1c13", .b: "#1d4e89", .c: "#3c7a3c"]

    static func svg(_ report: ServiceStandardsReport) -> String {
        let months = Array(Set(report.rows.map(\.month)).sorted().suffix(12))
        let panels: [(String, (ServiceStandardsReport.Row) -> ServiceStandardsReport.Measure)] = [
            ("Interviewed within 1/3/5 working days", \.interview),
            ("Action plan within 5 working days", \.actionPlan),
            ("Closure notification sent", \.closureNotification),
        ]
        let panelHeight = 150
        let barWidth = 9
        let groupWidth = 36
        let left = 40
        let top = 24
        let width = left + max(1, months.count) * groupWidth + 20
        let height = panels.count * (panelHeight + 50) + 30
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
            <title id="chart-title">Service standards kept, by month and category</title>
            <desc id="chart-desc">Bars show the share of cases, by category A, B and C, whose standard fell due and was kept to time; the table below has the same figures.</desc>
            """
        for (p, (title, measure)) in panels.enumerated() {
            let y0 = p * (panelHeight + 50) + top
            out += "<text x=\"\(left)\" y=\"\(y0 - 8)\" font-size=\"12\" font-family=\"sans-serif\">\(title)</text>"
            out += "<line x1=\"\(left)\" y1=\"\(y0 + panelHeight)\" x2=\"\(width - 10)\" y2=\"\(y0 + panelHeight)\" stroke=\"#444\"/>"
            for tick in [0, 50, 100] {
                let y = y0 + panelHeight - tick * panelHeight / 100
                out += "<text x=\"\(left - 4)\" y=\"\(y + 4)\" font-size=\"10\" text-anchor=\"end\" font-family=\"sans-serif\">\(tick)%</text>"
                out += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - 10)\" y2=\"\(y)\" stroke=\"#ddd\"/>"
            }
            for (m, month) in months.enumerated() {
                let x0 = left + m * groupWidth + 4
                for (i, category) in Category.allCases.enumerated() {
                    guard let row = report.rows.first(where: { $0.month == month && $0.category == category }), let share = measure(row).share else {
                        continue
                    }
                    let h = Int((share * Double(panelHeight)).rounded())
                    out +=
                        "<rect x=\"\(x0 + i * barWidth)\" y=\"\(y0 + panelHeight - h)\" width=\"\(barWidth - 1)\" height=\"\(h)\" fill=\"\(colours[category]!)\">"
                    out += "<title>\(month) category \(category.rawValue): \(measure(row).kept) of \(measure(row).due)</title></rect>"
                }
                out +=
                    "<text x=\"\(x0 + 12)\" y=\"\(y0 + panelHeight + 14)\" font-size=\"9\" text-anchor=\"middle\" font-family=\"sans-serif\">\(month.suffix(5))</text>"
            }
        }
        let legendY = height - 12
        for (i, category) in Category.allCases.enumerated() {
            out += "<rect x=\"\(left + i * 90)\" y=\"\(legendY - 9)\" width=\"10\" height=\"10\" fill=\"\(colours[category]!)\"/>"
            out +=
                "<text x=\"\(left + i * 90 + 14)\" y=\"\(legendY)\" font-size=\"11\" font-family=\"sans-serif\">Category \(category.rawValue)</text>"
        }
        return out + "</svg>"
    }
}
