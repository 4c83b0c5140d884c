import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The machine's idle and stolen CPU time so far, from Linux's `/proc/stat`, and when it was read.
///
/// A load run reads it when its measured window opens and again when it closes: the difference says how
/// much of the machine's CPU was idle, and how much the hypervisor gave to other guests while this one was
/// ready to run ("steal"). On a shared VM a run with a large steal share measured the host, not the gateway,
/// and that is the noise the benchmark scripts need to tell apart from a change to the gateway.
struct HostCPUSample: Sendable, Equatable {
    /// idle and iowait, in clock ticks, summed over the cores. On a tickless kernel these come from the
    /// kernel's own idle clock, so they are exact; user and system time are only sampled at ticks, and
    /// miss work that runs between them (a timer-driven load at a low rate can show as 1% busy), so busy
    /// is taken as what is neither idle nor stolen.
    var idle: UInt64
    /// Ticks this guest was ready to run and the hypervisor ran another, summed over the cores.
    var steal: UInt64
    /// Cores online (the `cpuN` lines).
    var cores: Int
    var at: ContinuousClock.Instant

    /// Parses `/proc/stat`: its first line, `cpu  user nice system idle iowait irq softirq steal [guest …]`,
    /// and the `cpuN` lines after it. Nil if the first line is not that, or has no steal column (Linux
    /// before 2.6.11), or no core is listed.
    init?(procStat text: some StringProtocol, at instant: ContinuousClock.Instant) {
        var lines = text.split(separator: "\n").makeIterator()
        guard let first = lines.next() else { return nil }
        let fields = first.split(separator: " ")
        guard fields.first == "cpu", fields.count >= 9 else { return nil }
        let ticks = fields[1...8].compactMap { UInt64($0) }
        guard ticks.count == 8 else { return nil }
        var cores = 0
        while let line = lines.next(), line.hasPrefix("cpu") {
            if line.dropFirst(3).first?.isNumber == true { cores += 1 }
        }
        guard cores > 0 else { return nil }
        idle = ticks[3] + ticks[4]
        steal = ticks[7]
        self.cores = cores
        self.at = instant
    }

    /// Reads `/proc/stat` now; nil where there is none (not Linux) or it is not as expected.
    static func read(path: String = "/proc/stat") -> HostCPUSample? {
        // /proc files report a size of 0, so read until the end rather than trusting the size.
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return HostCPUSample(procStat: String(decoding: data, as: UTF8.self), at: .now)
    }

    /// The kernel's clock ticks a second in `/proc/stat` (USER_HZ, 100 on every common Linux).
    static var ticksPerSecond: Double {
        #if canImport(Glibc)
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return ticks > 0 ? Double(ticks) : 100
        #else
        return 100
        #endif
    }
}

/// How the machine's CPU was spent over a run's measured window, as shares of all its cores' time.
public struct HostCPUShare: Sendable, Equatable {
    /// Running anything (the gateway, the load generator, the rest of the machine): 0...1.
    public var busy: Double
    /// Taken by the hypervisor for other guests while this one was ready to run: 0...1.
    public var stolen: Double

    init(busy: Double, stolen: Double) {
        self.busy = busy
        self.stolen = stolen
    }

    /// The window from `start` to `end`, against the cores' time on the wall clock. Nil when no time passed,
    /// a counter went back, or a core came or went in between.
    init?(from start: HostCPUSample, to end: HostCPUSample, ticksPerSecond: Double = HostCPUSample.ticksPerSecond) {
        guard end.idle >= start.idle, end.steal >= start.steal, end.cores == start.cores else { return nil }
        let capacity = (end.at - start.at).seconds * Double(end.cores) * ticksPerSecond
        guard capacity > 0 else { return nil }
        // The kernel accounts a tick's steal at the tick after it, so a share can run a little past 1.
        stolen = Swift.min(1, Double(end.steal - start.steal) / capacity)
        let idle = Swift.min(1, Double(end.idle - start.idle) / capacity)
        busy = Swift.max(0, 1 - idle - stolen)
    }
}
