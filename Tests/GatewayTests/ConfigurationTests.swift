import Foundation
import Gateway
import Testing

@Suite("Gateway configuration")
struct ConfigurationTests {
    func decode(_ json: String) throws -> GatewayConfiguration {
        try JSONDecoder().decode(GatewayConfiguration.self, from: Data(json.utf8))
    }

    @Test("keys left out keep their defaults, the partner rate limit among them")
    func defaults() throws {
        let configuration = try decode("{}")
        #expect(configuration == GatewayConfiguration())
        #expect(configuration.partnerRateLimit == .init(requestsPerSecond: 50, burst: 100))
    }

    @Test("the partner rate limit can be set, or turned off, but not made meaningless")
    func rateLimit() throws {
        #expect(
            try decode(#"{"partner_rate_limit": {"requests_per_second": 5, "burst": 20}}"#).partnerRateLimit == .init(requestsPerSecond: 5, burst: 20)
        )
        #expect(try decode(#"{"partner_rate_limit": "off"}"#).partnerRateLimit == nil)
        #expect(throws: DecodingError.self) { try decode(#"{"partner_rate_limit": {"requests_per_second": 0, "burst": 20}}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"partner_rate_limit": {"requests_per_second": 5, "burst": 0}}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"partner_rate_limit": "sometimes"}"#) }
    }

    @Test("connection timeouts are read, and refused outside 1 s to an hour")
    func timeouts() throws {
        let configuration = try decode(#"{"idle_timeout_seconds": 10, "request_timeout_seconds": 5}"#)
        #expect(configuration.idleTimeoutSeconds == 10 && configuration.requestTimeoutSeconds == 5)
        #expect(try decode("{}").requestTimeoutSeconds == 30)
        #expect(throws: DecodingError.self) { try decode(#"{"idle_timeout_seconds": 0}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"request_timeout_seconds": 4000}"#) }
    }

    @Test("a key database is read with its PostgreSQL store, and refused without one")
    func keyDatabase() throws {
        let both = try decode(#"{"database": "postgres://c@db/cases", "key_database": "postgres://c@keys/keys"}"#)
        #expect(both.keyDatabase == "postgres://c@keys/keys")
        #expect(try decode("{}").keyDatabase == nil)
        #expect(throws: DecodingError.self) { try decode(#"{"key_database": "postgres://c@keys/keys"}"#) }
    }

    @Test("a daily sweep time must be HH:MM")
    func dailySweep() throws {
        #expect(try decode(#"{"retention_daily_at": "02:30"}"#).retentionDailyAt! == (2, 30))
        #expect(throws: DecodingError.self) { try decode(#"{"retention_daily_at": "25:00"}"#) }
    }

    @Test("the view cache's size is read in megabytes, 0 turns it off, and a negative size is refused")
    func viewCache() throws {
        #expect(try decode("{}").viewCacheMegabytes == 64)
        #expect(try decode(#"{"view_cache_mb": 0}"#).viewCacheMegabytes == 0)
        #expect(try decode(#"{"view_cache_mb": 512}"#).viewCacheMegabytes == 512)
        #expect(throws: DecodingError.self) { try decode(#"{"view_cache_mb": -1}"#) }
    }

    @Test("an unknown key is refused, naming the nearest known one; a body limit outside 1 KiB to 1 GiB is refused")
    func unknownKeys() throws {
        do {
            _ = try decode(#"{"view_cache_md": 32}"#)
            Issue.record("a misspelt key was accepted")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription == "unknown key 'view_cache_md'; did you mean 'view_cache_mb'?")
        }
        #expect(throws: DecodingError.self) { try decode(#"{"max_body_bytes": 0}"#) }
        #expect(try decode(#"{"max_body_bytes": 4096}"#).maxBodyBytes == 4096)
    }

    @Test("metrics listen on loopback port 9464 by default; 'off' turns them off; a non-loopback address needs allow_remote")
    func metricsListener() throws {
        #expect(try decode("{}").metricsListener == .init(host: "127.0.0.1", port: 9464))
        #expect(try decode(#"{"metrics_listener": "off"}"#).metricsListener == nil)
        #expect(try decode(#"{"metrics_listener": {"port": 9100}}"#).metricsListener == .init(host: "127.0.0.1", port: 9100))
        #expect(throws: DecodingError.self) { try decode(#"{"metrics_listener": {"host": "0.0.0.0"}}"#) }
        #expect(try decode(#"{"metrics_listener": {"host": "0.0.0.0", "allow_remote": true}}"#).metricsListener?.host == "0.0.0.0")
        #expect(throws: DecodingError.self) { try decode(#"{"metrics_listener": {"port": 70000}}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"metrics_listener": {"hots": "127.0.0.1"}}"#) }
    }
}
