// swift-tools-version:6.1
// Benchmarks live in their own package so `swift test` never builds the benchmark harness.
// Run from this directory: swift package benchmark
import PackageDescription

let package = Package(
    name: "casegate-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "casegate", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "ViewBuilding",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CasegateCore", package: "casegate"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/ViewBuilding",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LedgerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CasegateCore", package: "casegate"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/LedgerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "CaseStorageBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CasegateCore", package: "casegate"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/CaseStorageBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RetentionBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CasegateCore", package: "casegate"),
            ],
            path: "Benchmarks/RetentionBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
