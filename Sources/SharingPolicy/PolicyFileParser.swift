import CaseModel
import Foundation
import Yams

/// Parses and validates one partner policy file. It reports every problem it
/// finds, not just the first, each with file, line, column and, for a
/// misspelling, the nearest valid word.
enum PolicyFileParser {
    /// `caRoot` is the directory relative `certificate.ca` paths start from: the one above `policies/`.
    static func parse(
        text: String,
        file: String,
        expectedID: String?,
        wards: WardList? = nil,
        caRoot: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) -> Result<PartnerPolicy, PolicyError> {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return .failure(.diagnostics([syntaxDiagnostic(error, file: file)]))
        } catch {
            return .failure(.diagnostics([PolicyDiagnostic(file: file, line: 1, column: 1, message: "not YAML: \(error)")]))
        }
        let y = YAMLCursor(file: file)
        guard let root, let top = y.mapping(root, "a partner file", required: ["partner", "name", "certificate", "agreement", "purposes"]) else {
            if root == nil { y.error(nil, "the file is empty") }
            return .failure(.diagnostics(y.diagnostics))
        }
        let id = y.string(top["partner"], "'partner'")
        if let id, let expectedID, id != expectedID {
            y.error(top["partner"], "partner id '\(id)' must match the file name '\(expectedID)'")
        }
        if let id, !ASBCase.isValidTag(id) || id.contains(":") {
            y.error(top["partner"], "partner id '\(id)' must be lower-case letters, digits and '-'")
        }
        let name = y.string(top["name"], "'name'")
        let partner = certificate(y, top["certificate"], id: id, name: name, caRoot: caRoot)
        let agreement = agreement(y, top["agreement"])
        let purposes = purposes(y, top["purposes"], wards: wards)
        guard y.diagnostics.isEmpty, let partner, let agreement, let purposes else {
            return .failure(.diagnostics(y.diagnostics))
        }
        return .success(PartnerPolicy(partner: partner, agreement: agreement, purposes: purposes, file: file))
    }

    private static func certificate(_ y: YAMLCursor, _ node: Node?, id: String?, name: String?, caRoot: URL) -> Partner? {
        guard let m = y.mapping(node, "'certificate'", required: [], optional: ["organisation", "fingerprints", "ca", "subject_alt_names"]) else {
            return nil
        }
        let organisation = m["organisation"].flatMap { y.string($0, "'certificate.organisation'") }
        var fingerprints = Set<String>()
        for (text, item) in y.strings(m["fingerprints"], "'certificate.fingerprints'") ?? [] {
            let fingerprint = normaliseFingerprint(text)
            if fingerprint.count == 64 && fingerprint.allSatisfy(\.isHexDigit) {
                fingerprints.insert(fingerprint)
            } else {
                y.error(item, "'\(text)' is not a SHA-256 fingerprint (64 hex digits)")
            }
        }
        let altNames = Set((y.strings(m["subject_alt_names"], "'certificate.subject_alt_names'") ?? []).map(\.0))
        var anchor: PartnerTrustAnchor?
        if let path = m["ca"].flatMap({ y.string($0, "'certificate.ca'") }) {
            switch PartnerTrustAnchor.load(path: path, root: caRoot) {
            case .success(let loaded): anchor = loaded
            case .failure(let error): y.error(m["ca"], "'certificate.ca': \(error)")
            }
        }
        if m["organisation"] == nil && m["fingerprints"] == nil && m["subject_alt_names"] == nil {
            y.error(node, "'certificate' needs an organisation, subject alternative names or fingerprints")
        }
        guard let id, let name else { return nil }
        return Partner(
            id: id,
            name: name,
            certificateOrganisation: organisation,
            certificateFingerprints: fingerprints,
            subjectAltNames: altNames,
            trustAnchor: anchor
        )
    }

    private static func agreement(_ y: YAMLCursor, _ node: Node?) -> SharingAgreement? {
        let keys = [
            "reference", "purpose", "organisations", "data_items", "lawful_basis", "special_category_data",
            "criminal_offence_data", "recipient_retention", "review_date",
        ]
        guard let m = y.mapping(node, "'agreement'", required: keys) else { return nil }
        let reviewDate: CalendarDate?
        if let text = y.string(m["review_date"], "'agreement.review_date'") {
            reviewDate = CalendarDate(text)
            if reviewDate == nil { y.error(m["review_date"], "'agreement.review_date' must be a date as YYYY-MM-DD") }
        } else {
            reviewDate = nil
        }
        guard let reference = y.string(m["reference"], "'agreement.reference'"),
            let purpose = y.string(m["purpose"], "'agreement.purpose'"),
            let organisations = y.strings(m["organisations"], "'agreement.organisations'"),
            let dataItems = y.strings(m["data_items"], "'agreement.data_items'"),
            let lawfulBasis = y.string(m["lawful_basis"], "'agreement.lawful_basis'"),
            let special = y.bool(m["special_category_data"], "'agreement.special_category_data'"),
            let criminal = y.bool(m["criminal_offence_data"], "'agreement.criminal_offence_data'"),
            let retention = y.string(m["recipient_retention"], "'agreement.recipient_retention'"),
            let reviewDate
        else { return nil }
        return SharingAgreement(
            reference: reference,
            purpose: purpose,
            organisations: organisations.map(\.0),
            dataItems: dataItems.map(\.0),
            lawfulBasis: lawfulBasis,
            specialCategoryData: special,
            criminalOffenceData: criminal,
            recipientRetention: retention,
            reviewDate: reviewDate
        )
    }

    private static func purposes(_ y: YAMLCursor, _ node: Node?, wards: WardList?) -> [Purpose]? {
        guard let node else { return nil }
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            y.error(node, "'purposes' must be a non-empty list")
            return nil
        }
        var result: [Purpose] = []
        var seen = Set<String>()
        for item in sequence {
            guard let purpose = purpose(y, item, wards: wards) else { continue }
            if !seen.insert(purpose.id).inserted { y.error(item, "purpose '\(purpose.id)' appears twice") }
            result.append(purpose)
        }
        return result.count == sequence.count ? result : nil
    }

    private static func purpose(_ y: YAMLCursor, _ node: Node, wards: WardList?) -> Purpose? {
        guard let m = y.mapping(node, "a purpose", required: ["id", "lawful_basis", "records", "fields"], optional: ["default"]) else {
            return nil
        }
        let id = y.string(m["id"], "the purpose 'id'")
        let lawfulBasis = y.string(m["lawful_basis"], "'lawful_basis'")
        let records = recordFilter(y, m["records"], wards: wards)
        let defaultRule = m["default"].flatMap { rule(y, $0, field: nil) }
        var rules: [String: FieldRule] = [:]
        if let fields = m["fields"] {
            if case .mapping(let mapping) = fields {
                let paths = CaseFieldCatalogue.all.map(\.path)
                for (keyNode, valueNode) in mapping {
                    guard let path = keyNode.string else {
                        y.error(keyNode, "field names must be strings")
                        continue
                    }
                    guard let field = CaseFieldCatalogue.byPath[path] else {
                        y.error(keyNode, "unknown field '\(path)'\(suggestion(for: path, among: paths))")
                        continue
                    }
                    if rules[path] != nil { y.error(keyNode, "field '\(path)' has two rules") }
                    if let rule = rule(y, valueNode, field: field) { rules[path] = rule }
                }
                let unnamed = paths.filter { rules[$0] == nil }
                if m["default"] == nil && !unnamed.isEmpty {
                    let listed = unnamed.prefix(4).joined(separator: ", ") + (unnamed.count > 4 ? ", …" : "")
                    y.error(fields, "no rule for \(unnamed.count) field(s) (\(listed)) and no 'default'; name them or add 'default: omit'")
                }
            } else {
                y.error(fields, "'fields' must map field paths to rules")
            }
        }
        guard let id, let lawfulBasis, let records else { return nil }
        return Purpose(id: id, lawfulBasis: lawfulBasis, records: records, rules: rules, defaultRule: defaultRule)
    }

    private static func rule(_ y: YAMLCursor, _ node: Node, field: CaseField?) -> FieldRule? {
        guard let text = y.string(node, field.map { "the rule for '\($0.path)'" } ?? "'default'") else { return nil }
        switch FieldRule.parse(text) {
        case .failure(let problem):
            y.error(node, problem.message, columnOffset: problem.offset)
            return nil
        case .success(let rule):
            if let field, !rule.applies(to: field.kind) {
                y.error(node, "'\(rule)' does not apply to '\(field.path)', which holds \(describe(field.kind))")
                return nil
            }
            if field == nil && rule != .share && rule != .omit {
                y.error(node, "'default' must be omit or share; other rules depend on the field")
                return nil
            }
            return rule
        }
    }

    private static func recordFilter(_ y: YAMLCursor, _ node: Node?, wards: WardList?) -> RecordFilter? {
        guard let m = y.mapping(node, "'records'", required: [], optional: ["category", "status", "ward", "flags", "parties"]) else {
            return nil
        }
        var filter = RecordFilter()
        if let n = m["category"] {
            filter.categories = Set(
                y.enumerated(n, "'records.category'", allowed: Category.allCases.map(\.rawValue)) { Category(rawValue: $0) } ?? []
            )
        }
        if let n = m["status"] {
            filter.statuses = Set(
                y.enumerated(n, "'records.status'", allowed: CaseStatus.allCases.map(\.rawValue)) { CaseStatus(rawValue: $0) } ?? []
            )
        }
        if let n = m["ward"] {
            let named = y.strings(n, "'records.ward'") ?? []
            if let wards {
                for (ward, item) in named where !wards.contains(ward) {
                    y.error(item, "'\(ward)' is not a ward on the list (\(WardList.fileName))\(wards.suggestion(for: ward))")
                }
            }
            filter.wards = Set(named.map(\.0))
        }
        if let n = m["flags"] {
            var flags = Set<String>()
            for (flag, item) in y.strings(n, "'records.flags'") ?? [] {
                if ASBCase.isValidTag(flag) { flags.insert(flag) } else { y.error(item, "'\(flag)' is not a valid flag") }
            }
            filter.flags = flags
        }
        if let n = m["parties"] {
            filter.parties = Set(y.enumerated(n, "'records.parties'", allowed: PartyRole.allCases.map(\.rawValue)) { PartyRole(rawValue: $0) } ?? [])
        }
        return filter
    }

    private static func describe(_ kind: FieldKind) -> String {
        switch kind {
        case .identifier: "an identifier"
        case .enumeration: "a fixed set of values"
        case .text: "short text"
        case .flag: "true or false"
        case .tags: "tags"
        case .timestamp: "a date and time"
        case .freeText: "free text"
        case .location: "a location"
        case .personID: "a person id"
        case .name: "a name"
        case .dateOfBirth: "a date of birth"
        case .address: "an address"
        case .phone: "a phone number"
        case .email: "an email address"
        }
    }

    private static func syntaxDiagnostic(_ error: YamlError, file: String) -> PolicyDiagnostic {
        switch error {
        case .scanner(_, let problem, let mark, let yaml), .parser(_, let problem, let mark, let yaml), .composer(_, let problem, let mark, let yaml):
            let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            let line = mark.line >= 1 && mark.line <= lines.count ? lines[mark.line - 1] : ""
            let hint =
                line.contains("(") && line.contains(": ") && problem.contains("mapping values")
                ? "; write rule arguments with '=' as in mask(last=3), or quote the rule" : ""
            return PolicyDiagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)\(hint)")
        default:
            return PolicyDiagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }
}
