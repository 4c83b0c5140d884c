import CaseModel
import SharingPolicy

/// The record of processing activities (UK GDPR Art 30) for case sharing, generated from the loaded policies
/// and the retention schedule, so it can never drift from what the gateway actually does.
public struct RecordsOfProcessing: Sendable {
    public struct Activity: Sendable, Equatable {
        public var partnerID: String
        public var recipient: String
        public var purposeID: String
        public var purpose: String
        public var lawfulBasis: String
        /// Categories of personal data: each field the partner receives, with how it is transformed.
        public var dataCategories: [String]
        public var dataSubjects: [String]
        public var recordsShared: String
        public var specialCategoryData: Bool
        public var criminalOffenceData: Bool
        public var agreementReference: String
        public var agreementReviewDate: CalendarDate
        public var recipientRetention: String
        /// The review date has passed: the agreement needs review (and the partner is refused until it is).
        public var reviewOverdue: Bool
    }

    public var controller: String
    public var activities: [Activity]
    /// How long the council keeps case records, one line per retention rule.
    public var retention: [String]
    public var policyVersion: String
    public var scheduleVersion: String

    public init(
        policies: PolicySet,
        schedule: RetentionSchedule,
        today: CalendarDate,
        controller: String = "London Borough of Ealing, Safer Communities"
    ) {
        self.controller = controller
        policyVersion = policies.version
        scheduleVersion = schedule.version
        activities = policies.policies.flatMap { policy in
            policy.purposes.map { purpose in
                var categories: [String] = []
                var subjects: Set<String> = []
                for field in CaseFieldCatalogue.all {
                    let rule = purpose.rule(for: field).rule
                    if rule == .omit { continue }
                    categories.append("\(field.path) (\(rule))")
                    if let role = PartyRole.allCases.first(where: { field.path.hasPrefix(CaseField.pathPrefix($0)) }) {
                        subjects.insert(role.rawValue)
                    }
                }
                return Activity(
                    partnerID: policy.partner.id,
                    recipient: policy.partner.name,
                    purposeID: purpose.id,
                    purpose: policy.agreement.purpose,
                    lawfulBasis: purpose.lawfulBasis,
                    dataCategories: categories,
                    dataSubjects: subjects.sorted(),
                    recordsShared: purpose.records.summary,
                    specialCategoryData: policy.agreement.specialCategoryData,
                    criminalOffenceData: policy.agreement.criminalOffenceData,
                    agreementReference: policy.agreement.reference,
                    agreementReviewDate: policy.agreement.reviewDate,
                    recipientRetention: policy.agreement.recipientRetention,
                    reviewOverdue: !policy.agreement.isInForce(on: today)
                )
            }
        }
        retention = schedule.rules.map { rule in
            var scope: [String] = []
            if let statuses = rule.statuses { scope.append(statuses.map(\.rawValue).sorted().joined(separator: "/") + " cases") }
            if let categories = rule.categories { scope.append("category " + categories.map(\.rawValue).sorted().joined(separator: "/")) }
            if let flags = rule.flags { scope.append("flags " + flags.sorted().joined(separator: ", ")) }
            if let police = rule.policeReference { scope.append(police ? "with a police reference" : "without a police reference") }
            return
                "\(rule.id): \(scope.isEmpty ? "all cases" : scope.joined(separator: ", ")): \(rule.then.rawValue) \(rule.keep) after \(rule.after.rawValue)"
        }
    }

    public var csv: CSVTable {
        var table = CSVTable(header: [
            "controller", "recipient", "partner_id", "purpose_id", "purpose", "lawful_basis", "data_categories",
            "data_subjects", "records_shared", "special_category_data", "criminal_offence_data",
            "agreement_reference", "agreement_review_date", "review_overdue", "recipient_retention",
            "council_retention", "policy_version",
        ])
        for a in activities {
            table.append([
                controller, a.recipient, a.partnerID, a.purposeID, a.purpose, a.lawfulBasis, a.dataCategories.joined(separator: "; "),
                a.dataSubjects.joined(separator: "; "), a.recordsShared, a.specialCategoryData ? "yes" : "no",
                a.criminalOffenceData ? "yes" : "no", a.agreementReference, a.agreementReviewDate.description,
                a.reviewOverdue ? "yes" : "no", a.recipientRetention, retention.joined(separator: "; "), policyVersion,
            ])
        }
        return table
    }
}
