import Foundation

#if canImport(Glibc)
import CMalloc
#endif

/// How many malloc arenas a server process keeps: one a core, unless the environment sets the limit
/// itself (`MALLOC_ARENA_MAX`, or `glibc.malloc.arena_max` in `GLIBC_TUNABLES`, which glibc applied as
/// the process started); nil then. glibc's own default is eight a core: a thread that finds the arenas
/// in use gets one of its own, and each fragments apart from the others. A gateway at 4,000 views a
/// second held about 12 MiB more with them, and grew faster (decision 0035).
func mallocArenaLimit(environment: [String: String], cores: Int) -> Int32? {
    if environment["MALLOC_ARENA_MAX"] != nil { return nil }
    if let tunables = environment["GLIBC_TUNABLES"], tunables.contains("glibc.malloc.arena_max=") { return nil }
    return Int32(clamping: max(1, cores))
}

/// Caps this process's malloc arenas at `mallocArenaLimit`. Called first thing as a server starts,
/// before its threads have made arenas of their own: those already made stay.
func limitMallocArenas() {
    #if canImport(Glibc)
    let process = ProcessInfo.processInfo
    guard let limit = mallocArenaLimit(environment: process.environment, cores: process.activeProcessorCount) else { return }
    _ = mallopt(M_ARENA_MAX, limit)  // 0 only for an unknown option: the default stands
    #endif
}
