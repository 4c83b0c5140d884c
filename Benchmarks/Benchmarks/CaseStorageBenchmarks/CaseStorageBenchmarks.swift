import Benchmark
import CaseModel
import Crypto
import DemoData
import Foundation
import Storage

/// Sealing and opening a case (binary document + AES-256-GCM): on every case read and write.
/// Baseline in the same run: the JSON form cases were sealed in before, without the cipher.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .microseconds,
                                           maxDuration: .seconds(3), maxIterations: 1_000_000)
    var generator = DemoCaseGenerator(seed: 11, clock: ServiceClock(calendar: WorkingDayCalendar()))
    // A typical case: several parties and events, a narrative of about a kilobyte.
    var c = generator.makeCases(50).max { $0.events.count + $0.parties.count < $1.events.count + $1.parties.count }!
    c.narrative = String(repeating: c.narrative + " ", count: max(1, 1024 / max(1, c.narrative.utf8.count)))
    let key = SymmetricKey(size: .bits256)
    let sealed = try! CaseSealer.seal(c, with: key)
    let json = try! JSONEncoder().encode(c)

    Benchmark("baseline: JSONDecoder, whole case (no cipher)") { benchmark in
        let decoder = JSONDecoder()
        for _ in benchmark.scaledIterations { blackHole(try decoder.decode(ASBCase.self, from: json)) }
    }

    Benchmark("open (decrypt + decode)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try CaseSealer.open(sealed, id: c.id, with: key)) }
    }

    Benchmark("seal (encode + encrypt)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try CaseSealer.seal(c, with: key)) }
    }
}
