import CaseModel
import Foundation
import GRDB
import Storage

/// A row of the `cases` table: the columns queries need, in clear, and the
/// whole case sealed with its data key.
struct CaseRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "cases"

    var seq: Int64
    var id: String
    var reference: String
    var incidentType: String
    var category: String
    var channel: String
    var status: String
    var ward: String
    var riskFlag: Bool
    var hasPoliceReference: Bool
    var receivedAt: Date
    var closedAt: Date?
    var updatedAt: Date
    var outstandingDue: String?
    var version: Int64
    var sealed: Data
    /// The case's flags, comma-separated, for retention rules.
    var flags: String?

    enum CodingKeys: String, CodingKey {
        case seq, id, reference
        case incidentType = "incident_type"
        case category, channel, status, ward
        case riskFlag = "risk_flag"
        case hasPoliceReference = "has_police_reference"
        case receivedAt = "received_at"
        case closedAt = "closed_at"
        case updatedAt = "updated_at"
        case outstandingDue = "outstanding_due"
        case version, sealed, flags
    }

    init(_ columns: CaseColumns, seq: Int64, version: Int64, sealed: Data) {
        self.seq = seq
        id = columns.id
        reference = columns.reference
        incidentType = columns.incidentType
        category = columns.category
        channel = columns.channel
        status = columns.status
        ward = columns.ward
        riskFlag = columns.riskFlag
        hasPoliceReference = columns.hasPoliceReference
        receivedAt = columns.receivedAt
        closedAt = columns.closedAt
        updatedAt = columns.updatedAt
        outstandingDue = columns.outstandingDue
        self.version = version
        self.sealed = sealed
        flags = columns.flags
    }

    enum Columns {
        static let seq = Column(CodingKeys.seq)
        static let id = Column(CodingKeys.id)
        static let reference = Column(CodingKeys.reference)
        static let sealed = Column(CodingKeys.sealed)
        static let category = Column(CodingKeys.category)
        static let status = Column(CodingKeys.status)
        static let ward = Column(CodingKeys.ward)
        static let outstandingDue = Column(CodingKeys.outstandingDue)
        static let updatedAt = Column(CodingKeys.updatedAt)
        static let version = Column(CodingKeys.version)
    }
}
