import Testing

@testable import Gateway

@Suite("Access log")
struct AccessLogTests {
    @Test(
        "durations print as milliseconds with two decimals",
        arguments: [
            (Duration.zero, "0.00"), (.microseconds(5), "0.00"), (.microseconds(10), "0.01"), (.microseconds(1_234), "1.23"),
            (.milliseconds(40), "40.00"), (.seconds(2) + .microseconds(50_070), "2050.07"),
        ]
    )
    func milliseconds(_ duration: Duration, _ text: String) {
        #expect(AccessLogMiddleware<PartnerRequestContext>.milliseconds(duration) == text)
    }
}
