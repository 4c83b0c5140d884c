import CaseModel
import Foundation
import Storage

/// A fresh data directory per test, removed afterwards.
struct TemporaryDirectory: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("casegate-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

let testClock = ServiceClock(calendar: WorkingDayCalendar())

func sampleCase(
    name: String = "Theodora Quilliam-Vance",
    phone: String = "07700 900123",
    type: IncidentType = .harassment,
    ward: String = "Ealing Broadway",
    received: Date = Date().addingTimeInterval(-86400)
) -> ASBCase {
    ASBCase(
        incidentType: type,
        channel: .phone,
        receivedAt: received,
        policeReference: "CAD 1234/25NOV",
        ward: ward,
        location: "42 Zanzibar Mews, W5 9ZZ",
        narrative: "Persistent knocking at night by Bartholomew Xylander, who lives opposite.",
        riskFlag: true,
        parties: [
            Party(
                role: .complainant,
                name: name,
                dateOfBirth: CalendarDate("1961-03-14"),
                address: Address(lines: ["42 Zanzibar Mews"], postcode: Postcode("W5 9ZZ")!),
                phone: phone,
                email: "theodora.qv@example.org",
                gender: "female",
                vulnerabilityNotes: "Uses a wheelchair"
            ),
            Party(role: .allegedPerpetrator, name: "Bartholomew Xylander"),
        ]
    )
}

extension Data {
    func contains(_ text: String) -> Bool {
        range(of: Data(text.utf8)) != nil
    }
}
