// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "casegate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "casegate", targets: ["casegate"]),
        // For the benchmarks package in Benchmarks/.
        .library(
            name: "CasegateCore",
            targets: ["ByteEncoding", "CaseModel", "SharingPolicy", "Redaction", "Ledger", "Storage", "SQLiteStorage", "Retention", "DemoData"]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
    ],
    targets: [
        // Lower-case hex for hashes, fingerprints and key ids.
        .target(name: "ByteEncoding", swiftSettings: swiftSettings),
        // The ASB case: categories, parties, events, service clocks, working-day calendar.
        .target(name: "CaseModel", swiftSettings: swiftSettings),
        // Partner directory and (later) per-field sharing policies, read from `policies/`.
        .target(
            name: "SharingPolicy",
            dependencies: [
                "ByteEncoding",
                "CaseModel",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // Partner views: compiled policy × case → the fields its rules produce.
        .target(
            name: "Redaction",
            dependencies: [
                "ByteEncoding",
                "CaseModel",
                "SharingPolicy",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The tamper-evident audit log: RFC 9162 Merkle tree, signed checkpoints, proofs.
        .target(
            name: "Ledger",
            dependencies: [
                "ByteEncoding", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The storage protocols and what every backend shares: sealed cases (per-case AES-GCM data keys
        // wrapped by a master key), the party index, staff tokens, field lists, errors.
        .target(
            name: "Storage",
            dependencies: [
                "ByteEncoding",
                "CaseModel",
                "Ledger",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The embedded default: the stores over SQLite through GRDB (WAL), keys in a database of their own.
        .target(
            name: "SQLiteStorage",
            dependencies: [
                "ByteEncoding",
                "CaseModel",
                "Ledger",
                "Storage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The same stores over PostgreSQL (PostgresNIO), for several gateway instances sharing one database.
        .target(
            name: "PostgresStorage",
            dependencies: [
                "ByteEncoding",
                "CaseModel",
                "Ledger",
                "Storage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Moving an embedded store into PostgreSQL: every table row for row, the ledger byte for byte.
        .target(
            name: "StoreCopy",
            dependencies: [
                "Ledger", "Storage", "SQLiteStorage", "PostgresStorage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // A C2SP tlog-witness: cosigns checkpoints consistent with the last it cosigned; state in SQLite.
        .target(
            name: "Witness",
            dependencies: [
                "ByteEncoding",
                "Ledger",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // A partner's monitor: checkpoints verified, cosigned and consistent run to run; its entries against its receipts.
        .target(
            name: "Monitor",
            dependencies: [
                "ByteEncoding",
                "Ledger",
                "LoadTest",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Retention sweeps: schedule × cases → purges, crypto-shredding, erasure entries.
        .target(
            name: "Retention",
            dependencies: ["CaseModel", "SharingPolicy", "Storage", "Ledger"],
            swiftSettings: swiftSettings
        ),
        // IG reports: service standards, community trigger watch, records of processing, publication statistics.
        .target(name: "Reports", dependencies: ["CaseModel", "SharingPolicy"], swiftSettings: swiftSettings),
        // Development PKI: a CA, server and partner certificates made with swift-certificates.
        .target(
            name: "DevPKI",
            dependencies: [
                "ByteEncoding",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Records the commit a build comes from, for `casegate --version`.
        .plugin(name: "BuildCommitPlugin", capability: .buildTool(), path: "Sources/BuildCommitPlugin"),
        // The Hummingbird application: listeners, identity, routes, problem+json.
        .target(
            name: "Gateway",
            dependencies: [
                "ByteEncoding",
                "CaseModel",
                "SharingPolicy",
                "Redaction",
                "Ledger",
                "Retention",
                "Storage",
                "SQLiteStorage",
                "PostgresStorage",
                "Reports",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("OpenAPI/openapi.yaml"), .copy("Console/Templates"), .copy("Console/Assets")],
            swiftSettings: swiftSettings,
            plugins: ["BuildCommitPlugin"]
        ),
        // The load generator: partners' traffic over mutual TLS, latency percentiles, receipt checks.
        .target(
            name: "LoadTest",
            dependencies: [
                "ByteEncoding",
                "Ledger",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Synthetic demo data.
        .target(name: "DemoData", dependencies: ["CaseModel"], swiftSettings: swiftSettings),
        // glibc's `mallopt`, for the server's malloc arenas (decision 0035).
        .systemLibrary(name: "CMalloc"),
        .executableTarget(
            name: "casegate",
            dependencies: [
                "CMalloc",
                "ByteEncoding",
                "CaseModel",
                "Gateway",
                "DevPKI",
                "DemoData",
                "Redaction",
                "Retention",
                "Reports",
                "SharingPolicy",
                "Storage",
                "SQLiteStorage",
                "Ledger",
                "LoadTest",
                "StoreCopy",
                "PostgresStorage",
                "Witness",
                "Monitor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
        // Shared by test targets that run the built `casegate` executable.
        .target(
            name: "CasegateTestSupport",
            dependencies: [
                "Storage", "SQLiteStorage", "PostgresStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Support",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CasegateTests",
            dependencies: ["casegate", "Gateway", "CasegateTestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ByteEncodingTests", dependencies: ["ByteEncoding"], swiftSettings: swiftSettings),
        .testTarget(name: "CaseModelTests", dependencies: ["CaseModel"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "SQLiteStorage", "PostgresStorage", "DemoData", "Ledger", "CasegateTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SharingPolicyTests", dependencies: ["SharingPolicy"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RetentionTests",
            dependencies: [
                "Retention", "SQLiteStorage", "PostgresStorage", "DemoData", "CasegateTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WitnessTests",
            dependencies: ["Witness", "Ledger", "ByteEncoding", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MonitorTests", dependencies: ["Monitor", "Ledger", "LoadTest"], swiftSettings: swiftSettings),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "CaseModel", "SharingPolicy", "DemoData"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RedactionTests",
            dependencies: ["Redaction", "DemoData", "ByteEncoding", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway",
                "DevPKI",
                "DemoData",
                "SharingPolicy",
                "Redaction",
                "Ledger",
                "Storage",
                "SQLiteStorage",
                "LoadTest",
                "ByteEncoding",
                "Retention",
                "Monitor",
                "Witness",
                "CasegateTestSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
