import Foundation
import Testing

@testable import LoadTest

@Suite("the machine's CPU over a load run, from /proc/stat")
struct HostCPUTests {
    static let stat = """
        cpu  184985 7 44019 138561 1902 3 11810 5129 0 0
        cpu0 93260 0 20608 71805 94 0 5897 2361 0 0
        cpu1 91725 7 23411 66756 1808 3 5913 2768 0 0
        intr 1 2 3
        """

    @Test("idle is the idle and iowait columns, steal its own, and the cores are the cpuN lines")
    func parses() throws {
        let now = ContinuousClock.now
        let sample = try #require(HostCPUSample(procStat: Self.stat, at: now))
        #expect(sample.idle == 138561 + 1902)
        #expect(sample.steal == 5129)
        #expect(sample.cores == 2)
        #expect(sample.at == now)
        // Guest columns are optional; steal is not.
        #expect(HostCPUSample(procStat: "cpu 1 2 3 4 5 6 7 8\ncpu0 1 2 3 4 5 6 7 8", at: now)?.steal == 8)
    }

    @Test(
        "anything else is refused: a core's line first, no steal column, a word or a negative count, no cores, another file",
        arguments: [
            "cpu0 93260 0 20608 71805 94 0 5897 2361 0 0\ncpu  1 2 3 4 5 6 7 8",
            "cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7",
            "cpu  1 2 3 four 5 6 7 8\ncpu0 1 2 3 4 5 6 7 8",
            "cpu  1 2 3 4 5 6 7 -8\ncpu0 1 2 3 4 5 6 7 8",
            "cpu  1 2 3 4 5 6 7 8\nintr 1",
            "intr 1 2 3 4 5 6 7 8 9",
            "",
        ]
    )
    func refuses(text: String) {
        #expect(HostCPUSample(procStat: text, at: .now) == nil)
    }

    /// A sample of two cores, `seconds` after `origin`.
    static func sample(idle: UInt64, steal: UInt64, seconds: Double, from origin: ContinuousClock.Instant) -> HostCPUSample {
        let text = "cpu  999 0 999 \(idle) 0 0 0 \(steal) 0 0\ncpu0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0"
        return HostCPUSample(procStat: text, at: origin + .milliseconds(Int64(seconds * 1000)))!
    }

    @Test("the share is of the cores' time on the wall clock: busy is what was neither idle nor stolen")
    func shareOverWindow() throws {
        let origin = ContinuousClock.now
        let start = Self.sample(idle: 1_000, steal: 50, seconds: 0, from: origin)
        // Five seconds on two cores at 100 ticks a second: 1,000 ticks; 700 idle, 100 stolen.
        let end = Self.sample(idle: 1_700, steal: 150, seconds: 5, from: origin)
        let share = try #require(HostCPUShare(from: start, to: end, ticksPerSecond: 100))
        #expect(abs(share.stolen - 0.1) < 1e-9)
        #expect(abs(share.busy - 0.2) < 1e-9)
        // Steal accounted a tick late can overshoot the window: the shares stay within 0...1.
        let late = Self.sample(idle: 1_000, steal: 1_200, seconds: 5, from: origin)
        #expect(HostCPUShare(from: start, to: late, ticksPerSecond: 100) == HostCPUShare(busy: 0, stolen: 1))
    }

    @Test("no share when no time passed, a counter went back, or the cores changed")
    func noShare() {
        let origin = ContinuousClock.now
        let start = Self.sample(idle: 1_000, steal: 50, seconds: 0, from: origin)
        let end = Self.sample(idle: 1_700, steal: 150, seconds: 5, from: origin)
        #expect(HostCPUShare(from: start, to: start) == nil)
        #expect(HostCPUShare(from: end, to: start) == nil)
        var oneCore = end
        oneCore.cores = 1
        #expect(HostCPUShare(from: start, to: oneCore) == nil)
    }

    @Test("read: the whole file; nil for a file that is missing or not /proc/stat's form")
    func readsFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stat = directory.appendingPathComponent("stat")
        try Self.stat.write(to: stat, atomically: true, encoding: .utf8)
        let read = try #require(HostCPUSample.read(path: stat.path))
        #expect(read.idle == 138561 + 1902 && read.steal == 5129 && read.cores == 2)
        try "intr 1\n\(Self.stat)".write(to: stat, atomically: true, encoding: .utf8)
        #expect(HostCPUSample.read(path: stat.path) == nil)
        #expect(HostCPUSample.read(path: directory.appendingPathComponent("missing").path) == nil)
        #if os(Linux)
        let own = try #require(HostCPUSample.read(), "this machine's own /proc/stat")
        #expect(own.cores >= ProcessInfo.processInfo.activeProcessorCount)
        #endif
    }

    @Test("a report shows the share as text and as JSON, and leaves both out when there is none")
    func reported() throws {
        var report = LoadReport.oneRequest(endpoint: "ping")
        #expect(!report.text.contains("host cpu") && !report.json.contains("host_cpu"))
        report.hostCPU = HostCPUShare(busy: 0.9, stolen: 0.05)
        #expect(report.text.contains("host cpu      90.0% busy, 5.0% stolen by the hypervisor"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        let host = try #require(json["host_cpu"] as? [String: Double])
        #expect(host == ["busy_percent": 90, "steal_percent": 5])
    }
}

extension LoadReport {
    /// A run of one request that took a millisecond: a report to add the figures under test to.
    static func oneRequest(endpoint: String) -> LoadReport {
        LoadReport(
            endpoint: endpoint,
            connections: 1,
            duration: .seconds(1),
            succeeded: 1,
            failedByStatus: [:],
            transportErrors: 0,
            latency: LatencySummary(nanoseconds: [1_000_000]),
            receipts: nil
        )
    }
}
