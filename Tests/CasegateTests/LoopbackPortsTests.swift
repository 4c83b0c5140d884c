import CasegateTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Ports for the tests' servers")
struct LoopbackPortsTests {
    @Test("distinct, below the ephemeral range, and free")
    func freePorts() throws {
        let ports = LoopbackPorts.free(6)
        #expect(Set(ports).count == 6)
        #expect(ports.allSatisfy(LoopbackPorts.range.contains))
        #expect(LoopbackPorts.range.upperBound <= 32_768, "below Linux's ephemeral range")
        // A port in use is not free; once let go, it is.
        let held = try #require(LoopbackPorts.bound(ports[0]))
        #expect(!LoopbackPorts.isFree(ports[0]))
        close(held)
        #expect(LoopbackPorts.isFree(ports[0]))
    }
}
