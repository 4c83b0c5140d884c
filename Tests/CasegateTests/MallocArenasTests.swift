import Testing

@testable import casegate

@Suite("A server's malloc arenas: one a core unless the environment says")
struct MallocArenasTests {
    @Test("one arena a core, and at least one")
    func oneACore() {
        #expect(mallocArenaLimit(environment: [:], cores: 2) == 2)
        #expect(mallocArenaLimit(environment: ["GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"], cores: 16) == 16)
        #expect(mallocArenaLimit(environment: [:], cores: 0) == 1)
    }

    @Test("an operator's own limit stands: glibc applied it as the process started")
    func environmentStands() {
        #expect(mallocArenaLimit(environment: ["MALLOC_ARENA_MAX": "8"], cores: 2) == nil)
        #expect(mallocArenaLimit(environment: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=4:glibc.malloc.tcache_count=0"], cores: 2) == nil)
    }
}
