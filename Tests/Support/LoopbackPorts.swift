#if canImport(Glibc)
import Glibc
#endif

/// Ports for servers a test starts as child processes, which must be told their port before they start.
///
/// Chosen below Linux's ephemeral range (32768–60999, where the kernel picks the local ports of outgoing
/// connections, which a test's own clients make by the hundred), and only ports that could be bound on
/// 127.0.0.1 just now, so that two tests running at once, or a connection, rarely take the same one.
public enum LoopbackPorts {
    public static let range = 20_000..<32_768

    /// `count` distinct ports, each free when chosen.
    public static func free(_ count: Int) -> [Int] {
        var ports: [Int] = []
        while ports.count < count {
            let port = Int.random(in: range)
            if !ports.contains(port) && isFree(port) { ports.append(port) }
        }
        return ports
    }

    /// Whether `port` can be bound on 127.0.0.1 now.
    public static func isFree(_ port: Int) -> Bool {
        guard let socket = bound(port) else { return false }
        close(socket)
        return true
    }

    /// A socket bound to `port` on 127.0.0.1 (the caller closes it), or nil when the port is taken.
    public static func bound(_ port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        return fd
    }
}
