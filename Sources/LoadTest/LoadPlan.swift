import Foundation

/// What one load run does: which endpoint, how hard, for how long, as which partner.
public struct LoadPlan: Sendable {
    /// The partner listener's base URL, such as `https://localhost:8443`.
    public var baseURL: String
    public var endpoint: LoadEndpoint
    /// Keep-alive connections, each with one request in flight at a time (open loop: at most, opened as needed).
    public var connections: Int
    /// Measured time; requests made during `warmup` are not counted.
    public var duration: Duration
    public var warmup: Duration
    /// The sharing purpose named on view requests; nil when the partner has only one.
    public var purpose: String?
    /// How many admitted case ids to collect before the run (the first pages of the list): views pick among these.
    public var sample: Int
    public var credentials: PartnerCredentials
    /// Open loop: requests sent at this constant rate (a second), whatever the gateway answers, each
    /// latency counted from its intended send time. Nil: closed loop, one request in flight a connection.
    public var rate: Double?
    /// Where to write every receipt received (`ReceiptLog`), for `casegate monitor` to check against.
    public var receiptLog: String?
    /// The gateway's metrics listener (such as `http://127.0.0.1:9464/metrics`): when set, the report
    /// says how the ledger's commits went over the measured window (`LedgerCommits`).
    public var metricsURL: String?

    public init(
        baseURL: String,
        endpoint: LoadEndpoint,
        connections: Int,
        duration: Duration,
        warmup: Duration = .seconds(2),
        purpose: String? = nil,
        sample: Int = 10_000,
        credentials: PartnerCredentials,
        rate: Double? = nil
    ) {
        self.rate = rate
        self.sample = sample
        self.baseURL = baseURL
        self.endpoint = endpoint
        self.connections = connections
        self.duration = duration
        self.warmup = warmup
        self.purpose = purpose
        self.credentials = credentials
    }
}

/// The request each connection repeats.
public enum LoadEndpoint: String, Sendable, CaseIterable {
    /// `GET /v1/ping`: TLS, client certificate and identity, no case work. The stack's baseline.
    case ping
    /// `GET /v1/views/cases/{id}` for a random case the partner's purpose admits: the full disclosure path.
    case view
}

/// A partner's client certificate, its key, and the CA that issued the gateway's certificate (PEM files).
public struct PartnerCredentials: Sendable {
    public var certificate: String
    public var privateKey: String
    public var serverCA: String

    public init(certificate: String, privateKey: String, serverCA: String) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.serverCA = serverCA
    }
}

/// Why a load run could not start or finish.
public enum LoadTestError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadableCredentials(String)
    case unexpectedStatus(path: String, status: UInt, detail: String)
    case malformedResponse(String)
    case noAdmittedCases(purpose: String?)
    case badURL(String)

    public var description: String {
        switch self {
        case .unreadableCredentials(let detail): "cannot load the client credentials: \(detail)"
        case .unexpectedStatus(let path, let status, let detail): "GET \(path) answered \(status): \(detail)"
        case .malformedResponse(let detail): "malformed response: \(detail)"
        case .noAdmittedCases(let purpose): "the partner's purpose \(purpose ?? "(default)") admits no cases; there is nothing to view"
        case .badURL(let url): "'\(url)' is not a URL with a host, such as https://localhost:8443"
        }
    }
}
