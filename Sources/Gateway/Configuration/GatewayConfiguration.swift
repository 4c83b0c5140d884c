import Foundation

/// Everything `casegate serve` needs to start. Read from a YAML file; flags override it.
public struct GatewayConfiguration: Codable, Sendable, Equatable {
    public struct Listener: Codable, Sendable, Equatable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public struct TLSFiles: Codable, Sendable, Equatable {
        /// The server certificate chain (PEM), leaf first.
        public var certificate: String
        public var privateKey: String
        /// The CA that issues partner client certificates (PEM).
        public var partnerCA: String

        public init(certificate: String, privateKey: String, partnerCA: String) {
            self.certificate = certificate
            self.privateKey = privateKey
            self.partnerCA = partnerCA
        }

        enum CodingKeys: String, CodingKey {
            case certificate
            case privateKey = "private_key"
            case partnerCA = "partner_ca"
        }
    }

    /// The operations listener: Prometheus metrics over plain HTTP. Loopback unless `allow_remote` says
    /// otherwise, since it is meant for a local scraper or an agent beside the gateway.
    public struct MetricsListener: Codable, Sendable, Equatable {
        public var host: String
        public var port: Int
        public var allowRemote: Bool

        public init(host: String = "127.0.0.1", port: Int = 9464, allowRemote: Bool = false) {
            self.host = host
            self.port = port
            self.allowRemote = allowRemote
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case host, port
            case allowRemote = "allow_remote"
        }

        public init(from decoder: any Decoder) throws {
            try ConfigurationKeys.refuseUnknown(in: decoder, known: CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = MetricsListener()
            host = try c.decodeIfPresent(String.self, forKey: .host) ?? defaults.host
            port = try c.decodeIfPresent(Int.self, forKey: .port) ?? defaults.port
            allowRemote = try c.decodeIfPresent(Bool.self, forKey: .allowRemote) ?? false
            guard (0...65535).contains(port) else {
                throw DecodingError.dataCorruptedError(forKey: .port, in: c, debugDescription: "port must be from 0 to 65535")
            }
            guard allowRemote || Self.isLoopback(host) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .host,
                    in: c,
                    debugDescription: "'\(host)' is not a loopback address; metrics are served without TLS, so set allow_remote: true to mean it"
                )
            }
        }

        /// 127.0.0.0/8, ::1 and localhost.
        public static func isLoopback(_ host: String) -> Bool {
            host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }
    }

    /// Requests a partner may make: `burst` at once, then `requests_per_second`.
    public struct RateLimit: Codable, Sendable, Equatable {
        public var requestsPerSecond: Double
        public var burst: Int

        public init(requestsPerSecond: Double, burst: Int) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst
        }

        enum CodingKeys: String, CodingKey {
            case requestsPerSecond = "requests_per_second"
            case burst
        }
    }

    public var partnerListener: Listener
    public var staffListener: Listener
    /// Where Prometheus metrics are served; nil turns metrics off.
    public var metricsListener: MetricsListener?
    public var dataDirectory: String
    /// A `postgres://` URL to keep everything in PostgreSQL (several instances may share it); nil keeps the
    /// embedded SQLite files in `dataDirectory`. The master and ledger keys stay in `dataDirectory` either way.
    public var database: String?
    /// A `postgres://` URL of another database (or server) for the data keys, so that a backup of `database`
    /// never holds a key; nil keeps them in `database`'s `casegate_keys` schema. Chosen when the store is set up.
    public var keyDatabase: String?
    public var policiesDirectory: String
    public var tls: TLSFiles
    /// Largest request body accepted, in bytes.
    public var maxBodyBytes: Int
    /// The ledger's origin line and checkpoint key name (C2SP), e.g. "ealing.gov.uk/casegate-ledger".
    public var ledgerOrigin: String
    /// "HH:MM" (London time) to run a retention sweep every day; nil, the default, runs none.
    public var retentionDailyAtText: String?
    /// Per partner; nil turns the limit off (for load tests).
    public var partnerRateLimit: RateLimit?
    /// A connection with nothing read or written for this long is closed.
    public var idleTimeoutSeconds: Int
    /// A whole request (headers and body) must arrive within this long of the connection opening or the
    /// previous response; slower clients are cut off.
    public var requestTimeoutSeconds: Int
    /// How long an IG console sign-in lasts; then the officer signs in again.
    public var consoleSessionMinutes: Int
    /// Megabytes of partner views kept for repeat requests (`ViewCache`); 0 keeps none.
    public var viewCacheMegabytes: Int
    /// Working days after which a recipient's unacknowledged notice shows as overdue on the console.
    public var noticeOverdueWorkingDays: Int = 10
    /// Working days from a complainant's request for a home visit to its being offered or held.
    public var homeVisitWorkingDays: Int = 5
    /// Working days from a complainant's request for a female officer to one being assigned.
    public var femaleOfficerWorkingDays: Int = 2
    /// Staff sign in to the pages through the council's identity provider.
    public var singleSignOn: SingleSignOnSettings?
    /// Whether the pages also take a personal token at sign-in (for development; turn it off with single sign-on).
    public var consoleTokenSignIn: Bool = true
    /// Witnesses cosigning the ledger's checkpoints; none when nil.
    public var witnessing: WitnessingSettings?

    public var retentionDailyAt: (hour: Int, minute: Int)? {
        guard let text = retentionDailyAtText else { return nil }
        let parts = text.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else { return nil }
        return (parts[0], parts[1])
    }

    public init(
        partnerListener: Listener = .init(host: "127.0.0.1", port: 8443),
        staffListener: Listener = .init(host: "127.0.0.1", port: 9443),
        metricsListener: MetricsListener? = MetricsListener(),
        dataDirectory: String = "data",
        database: String? = nil,
        policiesDirectory: String = "policies",
        tls: TLSFiles = .init(certificate: "certs/dev/server.pem", privateKey: "certs/dev/server.key", partnerCA: "certs/dev/ca.pem"),
        maxBodyBytes: Int = 1 << 20,
        ledgerOrigin: String = "casegate.local/asb-ledger",
        partnerRateLimit: RateLimit? = .init(requestsPerSecond: 50, burst: 100),
        idleTimeoutSeconds: Int = 30,
        requestTimeoutSeconds: Int = 30,
        consoleSessionMinutes: Int = 30,
        viewCacheMegabytes: Int = 64
    ) {
        self.consoleSessionMinutes = consoleSessionMinutes
        self.viewCacheMegabytes = viewCacheMegabytes
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.partnerRateLimit = partnerRateLimit
        self.partnerListener = partnerListener
        self.staffListener = staffListener
        self.metricsListener = metricsListener
        self.dataDirectory = dataDirectory
        self.database = database
        self.policiesDirectory = policiesDirectory
        self.tls = tls
        self.maxBodyBytes = maxBodyBytes
        self.ledgerOrigin = ledgerOrigin
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case partnerListener = "partner_listener"
        case staffListener = "staff_listener"
        case metricsListener = "metrics_listener"
        case dataDirectory = "data_directory"
        case database
        case keyDatabase = "key_database"
        case policiesDirectory = "policies_directory"
        case tls
        case maxBodyBytes = "max_body_bytes"
        case ledgerOrigin = "ledger_origin"
        case retentionDailyAtText = "retention_daily_at"
        case partnerRateLimit = "partner_rate_limit"
        case idleTimeoutSeconds = "idle_timeout_seconds"
        case requestTimeoutSeconds = "request_timeout_seconds"
        case consoleSessionMinutes = "console_session_minutes"
        case viewCacheMegabytes = "view_cache_mb"
        case noticeOverdueWorkingDays = "notice_overdue_working_days"
        case homeVisitWorkingDays = "home_visit_working_days"
        case femaleOfficerWorkingDays = "female_officer_working_days"
        case singleSignOn = "single_sign_on"
        case consoleTokenSignIn = "console_token_sign_in"
        case witnessing
    }

    /// Reads a configuration file; keys it leaves out keep their defaults. A key it does not know (a typo)
    /// is an error naming the nearest known key, so a setting is never silently ignored.
    public init(from decoder: any Decoder) throws {
        let defaults = GatewayConfiguration()
        try ConfigurationKeys.refuseUnknown(in: decoder, known: CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.partnerListener = try c.decodeIfPresent(Listener.self, forKey: .partnerListener) ?? defaults.partnerListener
        self.staffListener = try c.decodeIfPresent(Listener.self, forKey: .staffListener) ?? defaults.staffListener
        // `metrics_listener: off` turns metrics off; left out, the default applies.
        if (try? c.decode(String.self, forKey: .metricsListener)) == "off" {
            self.metricsListener = nil
        } else {
            self.metricsListener = try c.decodeIfPresent(MetricsListener.self, forKey: .metricsListener) ?? defaults.metricsListener
        }
        self.dataDirectory = try c.decodeIfPresent(String.self, forKey: .dataDirectory) ?? defaults.dataDirectory
        self.database = try c.decodeIfPresent(String.self, forKey: .database)
        self.keyDatabase = try c.decodeIfPresent(String.self, forKey: .keyDatabase)
        if keyDatabase != nil, database == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .keyDatabase,
                in: c,
                debugDescription: "key_database is for PostgreSQL stores: set database as well (SQLite keeps its keys in keys.sqlite)"
            )
        }
        self.policiesDirectory = try c.decodeIfPresent(String.self, forKey: .policiesDirectory) ?? defaults.policiesDirectory
        self.tls = try c.decodeIfPresent(TLSFiles.self, forKey: .tls) ?? defaults.tls
        self.maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? defaults.maxBodyBytes
        guard (1024...(1 << 30)).contains(maxBodyBytes) else {
            throw DecodingError.dataCorruptedError(forKey: .maxBodyBytes, in: c, debugDescription: "max_body_bytes must be from 1024 to 1073741824")
        }
        self.ledgerOrigin = try c.decodeIfPresent(String.self, forKey: .ledgerOrigin) ?? defaults.ledgerOrigin
        self.retentionDailyAtText = try c.decodeIfPresent(String.self, forKey: .retentionDailyAtText)
        // `partner_rate_limit: off` turns it off; left out, the default applies.
        if (try? c.decode(String.self, forKey: .partnerRateLimit)) == "off" {
            self.partnerRateLimit = nil
        } else {
            self.partnerRateLimit = try c.decodeIfPresent(RateLimit.self, forKey: .partnerRateLimit) ?? defaults.partnerRateLimit
        }
        func timeout(_ key: CodingKeys, default value: Int) throws -> Int {
            let seconds = try c.decodeIfPresent(Int.self, forKey: key) ?? value
            guard (1...3600).contains(seconds) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(key.rawValue) must be from 1 to 3600")
            }
            return seconds
        }
        self.idleTimeoutSeconds = try timeout(.idleTimeoutSeconds, default: defaults.idleTimeoutSeconds)
        func workingDays(_ key: CodingKeys, default value: Int) throws -> Int {
            let days = try c.decodeIfPresent(Int.self, forKey: key) ?? value
            guard (1...60).contains(days) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(key.rawValue) must be from 1 to 60 working days")
            }
            return days
        }
        self.noticeOverdueWorkingDays = try workingDays(.noticeOverdueWorkingDays, default: defaults.noticeOverdueWorkingDays)
        self.homeVisitWorkingDays = try workingDays(.homeVisitWorkingDays, default: defaults.homeVisitWorkingDays)
        self.femaleOfficerWorkingDays = try workingDays(.femaleOfficerWorkingDays, default: defaults.femaleOfficerWorkingDays)
        self.consoleSessionMinutes = try c.decodeIfPresent(Int.self, forKey: .consoleSessionMinutes) ?? defaults.consoleSessionMinutes
        guard (1...720).contains(consoleSessionMinutes) else {
            throw DecodingError.dataCorruptedError(
                forKey: .consoleSessionMinutes,
                in: c,
                debugDescription: "console_session_minutes must be from 1 to 720"
            )
        }
        self.requestTimeoutSeconds = try timeout(.requestTimeoutSeconds, default: defaults.requestTimeoutSeconds)
        self.viewCacheMegabytes = try c.decodeIfPresent(Int.self, forKey: .viewCacheMegabytes) ?? defaults.viewCacheMegabytes
        guard (0...65536).contains(viewCacheMegabytes) else {
            throw DecodingError.dataCorruptedError(forKey: .viewCacheMegabytes, in: c, debugDescription: "view_cache_mb must be from 0 to 65536")
        }
        if let limit = partnerRateLimit, !(limit.requestsPerSecond > 0) || limit.burst < 1 {
            throw DecodingError.dataCorruptedError(
                forKey: .partnerRateLimit,
                in: c,
                debugDescription: "requests_per_second must be above 0 and burst at least 1"
            )
        }
        self.singleSignOn = try c.decodeIfPresent(SingleSignOnSettings.self, forKey: .singleSignOn)
        self.consoleTokenSignIn = try c.decodeIfPresent(Bool.self, forKey: .consoleTokenSignIn) ?? defaults.consoleTokenSignIn
        if !consoleTokenSignIn, singleSignOn == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .consoleTokenSignIn,
                in: c,
                debugDescription: "console_token_sign_in: false leaves no way to sign in to the pages; configure single_sign_on"
            )
        }
        self.witnessing = try c.decodeIfPresent(WitnessingSettings.self, forKey: .witnessing)
        if let text = retentionDailyAtText, retentionDailyAt == nil {
            throw DecodingError.dataCorruptedError(forKey: .retentionDailyAtText, in: c, debugDescription: "'\(text)' is not a time as HH:MM")
        }
    }

    /// The bank holiday override file, in the GOV.UK feed format.
    public var bankHolidaysFile: URL {
        URL(fileURLWithPath: policiesDirectory).appendingPathComponent("bank-holidays.json")
    }
}
