import Foundation

/// What was done, in the terms DPA 2018 s.62 uses, plus casegate's own events.
public enum LedgerAction: String, Codable, Sendable, CaseIterable {
    case collection
    case alteration
    case consultation
    case disclosure
    case erasure
    case policyLoad = "policy-load"
    case legalHoldPlaced = "legal-hold-placed"
    case legalHoldLifted = "legal-hold-lifted"
    /// The ledger signing key was replaced: details name the old and new keys and the size the new one signs from.
    case keyRotation = "key-rotation"
    /// Every data key was re-wrapped under a new master key: details name the old and new master key ids
    /// (`MasterKey.id`, never the keys) and how many data keys were re-wrapped.
    case masterKeyRotation = "master-key-rotation"
    /// The store was restored from a backup; details name the entries given out in checkpoints and lost.
    case restore
    /// A recipient is told that a case changed (UK GDPR Art 19 for rectification, restriction, erasure): one
    /// entry per recipient and purpose; details `kind` (`updated`, `withdrawn`, `erased`).
    case notification
    /// A recipient acknowledged a notification: details `notice`, its ledger index.
    case acknowledgement
    /// A step of a data subject's request (the register): details `request`, `step` (`received`, `extended`,
    /// `erased`, `completed`), `kind`, `received_on`, `due`, and the step's own (`grounds`, `outcome`).
    case subjectRequest = "subject-request"
    /// A member of staff signed in to the pages: details `method` (`token`, `oidc`).
    case signIn = "sign-in"
    /// A sign-in was refused: details `method` and `reason`; the actor is the user when known, never the token.
    case signInRefused = "sign-in-refused"
    /// A personal token was issued, rotated or revoked: details `expires` where it has one.
    case tokenIssued = "token-issued"
    case tokenRotated = "token-rotated"
    case tokenRevoked = "token-revoked"
}

/// Who did it. Never a name: partner ids, staff user ids and roles only.
public struct LedgerActor: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case partner, staff, system }

    public var kind: Kind
    public var id: String
    /// The staff user's role.
    public var role: String?
    /// SHA-256 of the partner's client certificate.
    public var certificateFingerprint: String?

    public init(kind: Kind, id: String, role: String? = nil, certificateFingerprint: String? = nil) {
        self.kind = kind
        self.id = id
        self.role = role
        self.certificateFingerprint = certificateFingerprint
    }

    public static let system = LedgerActor(kind: .system, id: "casegate")

    enum CodingKeys: String, CodingKey {
        case kind, id, role
        case certificateFingerprint = "certificate_fingerprint"
    }
}

/// One field in a disclosure and the rule that produced it.
public struct DisclosedField: Codable, Sendable, Equatable {
    public var path: String
    public var rule: String

    public init(path: String, rule: String) {
        self.path = path
        self.rule = rule
    }
}

/// One ledger entry. It holds no personal data: opaque ids, field paths,
/// rules, justifications and hashes only.
///
/// Its canonical encoding (version 1) is JSON with keys in byte order, no
/// insignificant white space, absent values left out, and `/` not escaped.
/// The leaf hash is SHA-256(0x00 ‖ those bytes).
public struct LedgerEntry: Codable, Sendable, Equatable {
    public static let formatVersion = 1

    public var v: Int
    /// Position in the log, from 0.
    public var index: Int
    /// UTC, RFC 3339 with milliseconds.
    public var time: String
    public var actor: LedgerActor
    /// The partner the data went to, for disclosures.
    public var recipient: String?
    public var action: LedgerAction
    public var caseIDs: [String]
    public var purpose: String?
    public var lawfulBasis: String?
    public var policyVersion: String?
    public var fields: [DisclosedField]?
    /// SHA-256 (hex) of the exact response body sent.
    public var responseSHA256: String?
    public var requestID: String?
    /// Action-specific metadata, e.g. an erasure's rule and sweep id. Never personal data.
    public var details: [String: String]?

    enum CodingKeys: String, CodingKey {
        case v, index, time, actor, recipient, action
        case caseIDs = "case_ids"
        case purpose
        case lawfulBasis = "lawful_basis"
        case policyVersion = "policy_version"
        case fields
        case responseSHA256 = "response_sha256"
        case requestID = "request_id"
        case details
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws -> LedgerEntry {
        try JSONDecoder().decode(LedgerEntry.self, from: Data(bytes))
    }

    /// A query bound in the ledger's own timestamp form, from a day (`YYYY-MM-DD`, the whole day) or an RFC 3339 time.
    public static func bound(_ text: String, endOfDay: Bool) -> String? {
        let parts = text.split(separator: "-")
        if text.count == 10, parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) {
            return "\(text)T\(endOfDay ? "23:59:59.999" : "00:00:00.000")Z"
        }
        return (try? Date(text, strategy: .iso8601)).map(timestamp)
    }

    public static func timestamp(_ date: Date) -> String {
        timestampStyle.format(date)
    }

    /// The instant an entry's `time` names.
    public static func date(fromTimestamp text: String) -> Date? {
        try? Date(text, strategy: timestampStyle)
    }

    /// Made once: making the style copies a calendar, an allocation and a copy on every ledger batch.
    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}

/// An entry before the ledger gives it its index and time.
public struct LedgerDraft: Sendable {
    public var actor: LedgerActor
    public var recipient: String?
    public var action: LedgerAction
    public var caseIDs: [String]
    public var purpose: String?
    public var lawfulBasis: String?
    public var policyVersion: String?
    public var fields: DisclosedFields?
    public var responseSHA256: String?
    public var requestID: String?
    public var details: [String: String]?

    public init(
        actor: LedgerActor,
        recipient: String? = nil,
        action: LedgerAction,
        caseIDs: [String] = [],
        purpose: String? = nil,
        lawfulBasis: String? = nil,
        policyVersion: String? = nil,
        fields: DisclosedFields? = nil,
        responseSHA256: String? = nil,
        requestID: String? = nil,
        details: [String: String]? = nil
    ) {
        self.actor = actor
        self.recipient = recipient
        self.action = action
        self.caseIDs = caseIDs
        self.purpose = purpose
        self.lawfulBasis = lawfulBasis
        self.policyVersion = policyVersion
        self.fields = fields
        self.responseSHA256 = responseSHA256
        self.requestID = requestID
        self.details = details
    }

    /// The entry this draft becomes at `index`, made at `time`.
    public func entry(index: Int, time: Date) -> LedgerEntry {
        entry(index: index, timestamp: LedgerEntry.timestamp(time))
    }

    /// The entry this draft becomes at `index`, made at the time `timestamp` names (formatted once a batch:
    /// formatting costs more than encoding the rest of an entry).
    public func entry(index: Int, timestamp: String) -> LedgerEntry {
        LedgerEntry(
            v: LedgerEntry.formatVersion,
            index: index,
            time: timestamp,
            actor: actor,
            recipient: recipient,
            action: action,
            caseIDs: caseIDs,
            purpose: purpose,
            lawfulBasis: lawfulBasis,
            policyVersion: policyVersion,
            fields: fields?.fields,
            responseSHA256: responseSHA256,
            requestID: requestID,
            details: details
        )
    }

    /// The row this draft becomes at `index`, made at `time`: the entry, its canonical bytes and leaf
    /// hash, and where the field list lies in those bytes (copied from `fields`, not encoded again).
    public func row(index: Int, time: Date) -> LedgerRow {
        row(index: index, timestamp: LedgerEntry.timestamp(time))
    }

    public func row(index: Int, timestamp: String) -> LedgerRow {
        let entry = entry(index: index, timestamp: timestamp)
        let (bytes, range) = entry.canonicalForm(encodedFields: fields?.canonical.bytes)
        let stored = StoredLedgerEntry(index: index, bytes: bytes, leafHash: MerkleHash.leaf(bytes))
        return LedgerRow(entry: entry, stored: stored, fields: fields.flatMap { list in range.map { (list.canonical, $0) } })
    }
}

/// An entry as stored: its canonical bytes and leaf hash.
public struct StoredLedgerEntry: Sendable, Equatable {
    public var index: Int
    public var bytes: [UInt8]
    public var leafHash: [UInt8]

    public init(index: Int, bytes: [UInt8], leafHash: [UInt8]) {
        self.index = index
        self.bytes = bytes
        self.leafHash = leafHash
    }

    public func decoded() throws -> LedgerEntry { try LedgerEntry.decode(bytes) }
}
