import CaseModel
import Foundation
import Hummingbird

/// Stops a partner whose sharing agreement has passed its review date: the
/// agreement no longer covers any disclosure, so nothing is disclosed.
/// Checked against the request's policy snapshot, the one its view is built under.
struct AgreementInForceMiddleware: RouterMiddleware {
    typealias Context = PartnerRequestContext
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let partner = context.partner?.partner,
            let policy = context.policies?.compiled.policySet.policy(for: partner.id)
        else { throw Problem.forbidden("no sharing policy for this partner") }
        let agreement = policy.agreement
        guard agreement.isInForce(on: CalendarDate(now())) else {
            GatewayMetrics.refused(.agreementExpired)
            context.logger.error(
                "sharing agreement past its review date; partner disabled",
                metadata: ["agreement": "\(agreement.reference)", "review_date": "\(agreement.reviewDate)"]
            )
            throw Problem.forbidden(
                "sharing agreement \(agreement.reference) passed its review date on \(agreement.reviewDate); no data can be shared until it is renewed"
            )
        }
        return try await next(request, context)
    }
}
