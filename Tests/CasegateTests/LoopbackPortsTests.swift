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
        #expect(ports.allSatisfy { LoopbackPorts.range.contains($0) && $0 < 32_768 })
        // A port in use is not free; once let go, it is.
        let held = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(ports[0]).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(held, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0)
        #expect(!LoopbackPorts.isFree(ports[0]))
        close(held)
        #expect(LoopbackPorts.isFree(ports[0]))
    }
}
