import CaseModel
import Foundation
import Gateway
import Ledger
import NIOCore
import Testing

@Suite("View cache")
struct ViewCacheTests {
    let caseA = UUID(uuidString: "A0000000-0000-4000-8000-000000000001")!
    let caseB = UUID(uuidString: "B0000000-0000-4000-8000-000000000002")!

    let today = CalendarDate("2026-11-25")!

    func entry(_ id: UUID, size: Int = 100, fill: UInt8 = 1) -> ViewCache.Entry {
        ViewCache.Entry(body: ByteBuffer(bytes: [UInt8](repeating: fill, count: size)), sha256: String(repeating: "0", count: 64))
    }

    /// A key under a policy version, partner and purpose; the defaults are one policy.
    func key(_ id: UUID, version: String = "sha256:aaaa", partner: String = "p1", purpose: String = "test") -> ViewCache.Key {
        ViewCache.Key(policyVersion: version, partner: partner, purpose: purpose, caseID: id)
    }

    @Test("an entry is served for the day it was built, with the mark it was built under")
    func servedWithItsMark() {
        let cache = ViewCache(capacity: 1 << 20)
        #expect(cache.latest(key(caseA), day: today) == nil)
        cache.store(entry(caseA, fill: 9), for: key(caseA), mark: 5, day: today)
        let found = cache.latest(key(caseA), day: today)
        #expect(found?.entry.body.getInteger(at: 0, as: UInt8.self) == 9)
        #expect(found?.precondition == .changeMark(5))
        #expect(cache.latest(key(caseA), day: CalendarDate(daysSinceEpoch: today.daysSinceEpoch + 1)) == nil)
        #expect(cache.usage.entries == 1)
    }

    @Test("a newer mark or another day empties the cache; a view built under an older mark is not kept")
    func marksAndDays() {
        let cache = ViewCache(capacity: 1 << 20)
        cache.store(entry(caseA), for: key(caseA), mark: 5, day: today)
        cache.store(entry(caseB), for: key(caseB), mark: 6, day: today)
        #expect(cache.latest(key(caseA), day: today) == nil, "built before a change")
        #expect(cache.latest(key(caseB), day: today)?.precondition == .changeMark(6))
        #expect(cache.usage.entries == 1)

        cache.store(entry(caseA), for: key(caseA), mark: 5, day: today)  // read before the change, stored after
        #expect(cache.latest(key(caseA), day: today) == nil)
        #expect(cache.usage.entries == 1)

        let tomorrow = CalendarDate(daysSinceEpoch: today.daysSinceEpoch + 1)
        cache.store(entry(caseA), for: key(caseA), mark: 6, day: tomorrow)
        #expect(cache.latest(key(caseB), day: today) == nil && cache.latest(key(caseB), day: tomorrow) == nil)
        #expect(cache.latest(key(caseA), day: tomorrow)?.precondition == .changeMark(6))
        cache.store(entry(caseB), for: key(caseB), mark: 6, day: today)
        #expect(cache.latest(key(caseB), day: today) == nil, "a view for a day the cache has moved past is not kept")
    }

    @Test("views are kept apart by partner, purpose, policy version and case")
    func keysSeparate() {
        let cache = ViewCache(capacity: 1 << 20)
        cache.store(entry(caseA), for: key(caseA), mark: 1, day: today)
        #expect(cache.latest(key(caseA), day: today) != nil)
        #expect(cache.latest(key(caseA, partner: "p2"), day: today) == nil)
        #expect(cache.latest(key(caseA, purpose: "other"), day: today) == nil)
        #expect(cache.latest(key(caseA, version: "sha256:bbbb"), day: today) == nil)
        #expect(cache.latest(key(caseB), day: today) == nil)
    }

    @Test("within its capacity, the oldest entries go first; capacity 0 keeps nothing")
    func capacity() {
        let one = entry(caseA, size: 1000)
        // Room for three entries of this size, not four.
        let cost = 1000 + 64 + 160
        let cache = ViewCache(capacity: cost * 3 + cost / 2)
        let ids = (0..<5).map { _ in UUID() }
        for id in ids { cache.store(one, for: key(id), mark: 1, day: today) }
        #expect(cache.usage.entries == 3)
        #expect(cache.usage.cost <= cache.capacity)
        let held = ids.map { cache.latest(key($0), day: today) != nil }
        #expect(held == [false, false, true, true, true])

        let none = ViewCache(capacity: 0)
        none.store(one, for: key(caseA), mark: 1, day: today)
        #expect(none.latest(key(caseA), day: today) == nil)
        #expect(none.usage.entries == 0)
    }

    @Test("after many evictions the newest entries are the ones held")
    func manyEntries() {
        let cost = 100 + 64 + 160
        let cache = ViewCache(capacity: cost * 50)
        var last: [UUID] = []
        for _ in 0..<10_000 {
            let id = UUID()
            cache.store(entry(id), for: key(id), mark: 1, day: today)
            last.append(id)
        }
        #expect(cache.usage.entries == 50)
        #expect(last.suffix(50).allSatisfy { cache.latest(key($0), day: today) != nil })
    }
}
