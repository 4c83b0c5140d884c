import CaseModel
import Foundation
import Gateway
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

    @Test("an entry is served under the mark and day it was stored with")
    func servedUnderItsMark() {
        let cache = ViewCache(capacity: 1 << 20)
        let key = key(caseA)
        #expect(cache.entry(key, mark: 5, day: today) == nil)
        cache.store(entry(caseA, fill: 9), for: key, mark: 5, day: today)
        #expect(cache.entry(key, mark: 5, day: today)?.body.getInteger(at: 0, as: UInt8.self) == 9)
        #expect(cache.usage.entries == 1)
    }

    @Test("a newer mark or another day empties the cache; an older mark is neither served nor stored")
    func marksAndDays() {
        let cache = ViewCache(capacity: 1 << 20)
        let key = key(caseA)
        cache.store(entry(caseA), for: key, mark: 0, day: today)  // before any lookup: the cache has no mark yet
        #expect(cache.usage.entries == 0)
        _ = cache.entry(key, mark: 5, day: today)
        cache.store(entry(caseA), for: key, mark: 5, day: today)
        #expect(cache.entry(key, mark: 6, day: today) == nil)
        #expect(cache.usage.entries == 0)

        cache.store(entry(caseA), for: key, mark: 5, day: today)  // built from a read before the change
        #expect(cache.usage.entries == 0)
        cache.store(entry(caseA), for: key, mark: 6, day: today)
        #expect(cache.entry(key, mark: 5, day: today) == nil, "a reader that saw an older mark builds its own")
        #expect(cache.entry(key, mark: 6, day: today) != nil)

        let tomorrow = CalendarDate(daysSinceEpoch: today.daysSinceEpoch + 1)
        #expect(cache.entry(key, mark: 6, day: tomorrow) == nil)
        #expect(cache.usage.entries == 0)
        cache.store(entry(caseA), for: key, mark: 6, day: today)
        #expect(cache.usage.entries == 0, "yesterday's view is not kept")
    }

    @Test("views are kept apart by partner, purpose, policy version and case")
    func keysSeparate() {
        let cache = ViewCache(capacity: 1 << 20)
        _ = cache.entry(key(caseA), mark: 1, day: today)
        cache.store(entry(caseA), for: key(caseA), mark: 1, day: today)
        #expect(cache.entry(key(caseA), mark: 1, day: today) != nil)
        #expect(cache.entry(key(caseA, partner: "p2"), mark: 1, day: today) == nil)
        #expect(cache.entry(key(caseA, purpose: "other"), mark: 1, day: today) == nil)
        #expect(cache.entry(key(caseA, version: "sha256:bbbb"), mark: 1, day: today) == nil)
        #expect(cache.entry(key(caseB), mark: 1, day: today) == nil)
    }

    @Test("within its capacity, the oldest entries go first; capacity 0 keeps nothing")
    func capacity() {
        let one = entry(caseA, size: 1000)
        // Room for three entries of this size, not four.
        let cost = 1000 + 64 + 160
        let cache = ViewCache(capacity: cost * 3 + cost / 2)
        let ids = (0..<5).map { _ in UUID() }
        _ = cache.entry(key(ids[0]), mark: 1, day: today)
        for id in ids { cache.store(one, for: key(id), mark: 1, day: today) }
        #expect(cache.usage.entries == 3)
        #expect(cache.usage.cost <= cache.capacity)
        let held = ids.map { cache.entry(key($0), mark: 1, day: today) != nil }
        #expect(held == [false, false, true, true, true])

        let none = ViewCache(capacity: 0)
        _ = none.entry(key(caseA), mark: 1, day: today)
        none.store(one, for: key(caseA), mark: 1, day: today)
        #expect(none.entry(key(caseA), mark: 1, day: today) == nil)
        #expect(none.usage.entries == 0)
    }

    @Test("after many evictions the newest entries are the ones held")
    func manyEntries() {
        let cost = 100 + 64 + 160
        let cache = ViewCache(capacity: cost * 50)
        _ = cache.entry(key(caseA), mark: 1, day: today)
        var last: [UUID] = []
        for _ in 0..<10_000 {
            let id = UUID()
            cache.store(entry(id), for: key(id), mark: 1, day: today)
            last.append(id)
        }
        #expect(cache.usage.entries == 50)
        #expect(last.suffix(50).allSatisfy { cache.entry(key($0), mark: 1, day: today) != nil })
    }
}
