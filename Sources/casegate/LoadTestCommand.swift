import ArgumentParser
import Foundation
import LoadTest

/// `casegate loadtest`: partner traffic over mutual TLS, with latency percentiles and receipt checks.
struct LoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Load the partner listener as one partner and report throughput, latency percentiles and errors.",
        discussion: """
            ping: GET /v1/ping (TLS, client certificate, identity; no case work), the stack's baseline. \
            view: GET /v1/views/cases/{id} for random cases the purpose admits, the full disclosure path; \
            afterwards every receipt is checked against a freshly signed checkpoint (distinct, inside the tree, \
            sampled inclusion proofs). list: one partner's full sync, every page of GET /v1/views/cases in turn. \
            On Linux ping and view also report the machine's CPU over the measured window (/proc/stat): how busy \
            it was, and the share the hypervisor stole for other guests; a run with more than a percent or two \
            stolen measured the host as much as the gateway. With --metrics-url they also report the ledger's \
            commits over the window from the gateway's metrics listener: how many a second, how many entries \
            each, their mean time and the share over 1 and 5 ms. A view waits for its entry's commit, so slow \
            commits point at the disk, and latency with commits as usual at the CPU.
            """
    )

    @Option(help: "The partner listener's base URL.")
    var url = "https://localhost:8443"

    @Option(help: "ping, view or list.")
    var endpoint: Endpoint = .view

    @Option(help: "Keep-alive connections, each with one request in flight (with --rate: at most, opened as needed).")
    var connections = 64

    @Option(help: "Seconds measured.")
    var duration = 10.0

    @Option(help: "Seconds of unmeasured load first.")
    var warmup = 2.0

    @Option(help: "The partner whose development certificate to use (certs/dev/partner-side/<partner>/<partner>.pem and .key).")
    var partner = "met-police"

    @Option(help: "Client certificate (PEM); defaults to the partner's development certificate.")
    var certificate: String?

    @Option(help: "Client private key (PEM); defaults to the partner's development key.")
    var privateKey: String?

    @Option(help: "CA certificate the gateway's certificate chains to (PEM).")
    var serverCA: String?

    @Option(help: "Directory of the development certificates.")
    var certsDir = "certs/dev"

    @Option(help: "The sharing purpose to request (needed when the partner has more than one).")
    var purpose: String?

    @Option(help: "For --endpoint view: how many admitted cases (the first pages of the list) the views pick among.")
    var sample = 10_000

    @Option(help: "Views per page for --endpoint list.")
    var pageSize = 1000

    @Option(help: "Open loop: send this many requests a second, whatever the gateway answers; latency counts from each request's intended send time.")
    var rate: Double?

    @Option(help: "Append every receipt received to this file (JSON lines), for casegate monitor to check the ledger against.")
    var recordReceipts: String?

    @Option(help: "The gateway's metrics listener, such as http://127.0.0.1:9464/metrics: report its ledger commits over the measured window.")
    var metricsURL: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    enum Endpoint: String, ExpressibleByArgument, CaseIterable {
        case ping, view, list
    }

    func validate() throws {
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be positive and --warmup not negative") }
        guard sample >= 1 else { throw ValidationError("--sample must be at least 1") }
        guard (1...1000).contains(pageSize) else { throw ValidationError("--page-size must be from 1 to 1000") }
        if let rate { guard rate > 0, rate <= 1_000_000 else { throw ValidationError("--rate must be above 0 and at most 1000000 a second") } }
    }

    func run() async throws {
        let credentials = PartnerCredentials(
            certificate: certificate ?? "\(certsDir)/partner-side/\(partner)/\(partner).pem",
            privateKey: privateKey ?? "\(certsDir)/partner-side/\(partner)/\(partner).key",
            serverCA: serverCA ?? "\(certsDir)/ca.pem"
        )
        do {
            switch endpoint {
            case .list:
                let report = try await PartnerClient(
                    baseURL: url,
                    credentials: credentials,
                    connections: 1,
                    receiptLog: try recordReceipts.map(ReceiptLog.init(path:))
                ).closing { client in try await BulkPull(client: client, purpose: purpose, pageSize: pageSize).run() }
                print(json ? report.json : report.text)
            case .ping, .view:
                var plan = LoadPlan(
                    baseURL: url,
                    endpoint: endpoint == .ping ? .ping : .view,
                    connections: connections,
                    duration: .milliseconds(Int(duration * 1000)),
                    warmup: .milliseconds(Int(warmup * 1000)),
                    purpose: purpose,
                    sample: sample,
                    credentials: credentials,
                    rate: rate
                )
                plan.receiptLog = recordReceipts
                plan.metricsURL = metricsURL
                // SIGINT or SIGTERM ends the load early and still reports what was measured.
                let stop = StopSignal()
                let sources = [SIGINT, SIGTERM].map { number in
                    signal(number, SIG_IGN)
                    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                    source.setEventHandler { stop.stop() }
                    source.resume()
                    return source
                }
                defer { for source in sources { source.cancel() } }
                let report = try await LoadGenerator(plan: plan).run(stop: stop)
                print(json ? report.json : report.text)
                if let receipts = report.receipts, !receipts.passed { throw ExitCode.failure }
            }
        } catch let error as LoadTestError {
            throw ValidationError(error.description)
        }
    }
}
