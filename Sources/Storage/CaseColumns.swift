import ByteEncoding
import CaseModel
import Foundation

/// What every store keeps of a case in clear beside the sealed document: the
/// columns its queries filter on, and nothing personal.
package struct CaseColumns: Sendable, Equatable {
    package var id: String
    package var reference: String
    package var incidentType: String
    package var category: String
    package var channel: String
    package var status: String
    package var ward: String
    package var riskFlag: Bool
    package var hasPoliceReference: Bool
    package var receivedAt: Date
    package var closedAt: Date?
    package var updatedAt: Date
    /// The earliest service-standard deadline still owed, as `YYYY-MM-DD`, for the overdue list.
    package var outstandingDue: String?
    /// The case's flags, sorted and comma-separated, for retention rules.
    package var flags: String

    package init(_ c: ASBCase, clock: ServiceClock) {
        id = c.id.text
        reference = c.reference
        incidentType = c.incidentType.rawValue
        category = c.category.rawValue
        channel = c.channel.rawValue
        status = c.status.rawValue
        ward = c.ward
        riskFlag = c.riskFlag
        hasPoliceReference = c.policeReference != nil
        receivedAt = c.receivedAt
        closedAt = c.closedAt
        updatedAt = c.updatedAt
        outstandingDue = clock.earliestOutstandingDue(c)?.description
        flags = c.flags.sorted().joined(separator: ",")
    }

    /// The reference a new report gets from its place in the recording order.
    package static func reference(receivedAt: Date, seq: Int64) -> String {
        String(format: "ASB-%04d-%06lld", CalendarDate(receivedAt).year, seq)
    }

    /// The case as sealed: its reference lives in clear only.
    package static func sealable(_ c: ASBCase) -> ASBCase {
        var sealed = c
        sealed.reference = ""
        return sealed
    }
}

/// Opaque paging cursors over the recording order (a case's `seq`).
package enum CaseCursor {
    package static func encode(_ seq: Int64) -> String { OpaqueCursor.encode(seq, tag: "c1") }
    package static func decode(_ cursor: String) -> Int64? { OpaqueCursor.decode(cursor, tag: "c1") }
}

/// A position in some order, given to clients as an opaque token: `<tag>:<number>`, base64 without padding.
/// The tag keeps one kind of cursor from being taken for another.
package enum OpaqueCursor {
    package static func encode(_ position: Int64, tag: String) -> String {
        Data("\(tag):\(position)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    package static func decode(_ cursor: String, tag: String) -> Int64? {
        var text = cursor
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let s = String(data: data, encoding: .utf8), s.hasPrefix(tag + ":") else {
            return nil
        }
        return Int64(s.dropFirst(tag.count + 1))
    }
}
