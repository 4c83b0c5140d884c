import CaseModel
import Foundation
import Storage

extension Audit {
    /// The cases in which a person is a party, found through the blind party index, with the search
    /// recorded against each case found, as done by the request's user: looking a person up is processing
    /// of their data. `details` say where the search came from (the staff API, the console).
    func searchSubject(
        named name: String,
        bornOn dateOfBirth: CalendarDate?,
        in cases: any CaseStore,
        for context: StaffRequestContext,
        details: [String: String]
    ) async throws -> [UUID] {
        let caseIDs = try await cases.caseIDs(partyName: name, dateOfBirth: dateOfBirth)
        if !caseIDs.isEmpty {
            try await staff(try context.requireUser(), .consultation, caseIDs: caseIDs, requestID: context.requestID, details: details)
        }
        return caseIDs
    }
}
