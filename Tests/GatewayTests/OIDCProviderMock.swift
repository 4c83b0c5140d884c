import AsyncHTTPClient
import CasegateTestSupport
import Foundation
import NIOCore

/// A real OpenID Connect provider for the tests: `oidc-provider-mock` (PyPI), started on a free port with
/// predefined users and their claims, nonces required. `scripts/test.sh` installs it when missing.
final class OIDCProviderMock: Sendable {
    let process: ChildProcess
    let port: Int
    var issuer: String { "http://127.0.0.1:\(port)" }

    /// Users as `sub` → extra claims.
    init(users: [String: [String: any Sendable]]) async throws {
        let executable = try Self.locate()
        var lastError: (any Error)?
        for port in LoopbackPorts.free(5) {
            let process = ChildProcess()
            process.executableURL = executable
            var arguments = ["--port", String(port), "--require-nonce", "true"]
            for (sub, claims) in users.sorted(by: { $0.key < $1.key }) {
                var all = claims
                all["sub"] = sub
                let json = try JSONSerialization.data(withJSONObject: all, options: [.sortedKeys])
                arguments += ["--user-claims", String(decoding: json, as: UTF8.self)]
            }
            process.arguments = arguments
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            do {
                try await Self.waitUntilReady(port: port, process: process)
                self.process = process
                self.port = port
                return
            } catch {
                lastError = error
                process.kill()
            }
        }
        throw lastError ?? CocoaError(.featureUnsupported)
    }

    /// SIGKILL: on SIGTERM uvicorn waits for open keep-alive connections (the gateway's HTTP client holds some).
    deinit {
        process.kill()
    }

    /// `oidc-provider-mock` on PATH or beside this Python's scripts.
    static func locate() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("oidc-provider-mock")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw CocoaError(
            .fileNoSuchFile,
            userInfo: [NSLocalizedDescriptionKey: "oidc-provider-mock is not installed: pip install oidc-provider-mock"]
        )
    }

    private static func waitUntilReady(port: Int, process: ChildProcess) async throws {
        for _ in 0..<150 {
            guard process.isRunning else { throw CocoaError(.executableLoad) }
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/.well-known/openid-configuration")
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)), response.status == .ok { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CocoaError(.executableLoad)
    }

    /// Signs `sub` in at the provider's authorization form, as a person would: the redirect to our callback.
    func authorize(_ authorizationURL: String, sub: String) async throws -> URLComponents {
        var request = HTTPClientRequest(url: authorizationURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "sub=\(sub)"))
        let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(10))
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        guard (300..<400).contains(response.status.code), let location = response.headers.first(name: "Location"),
            let components = URLComponents(string: location)
        else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the provider answered \(response.status)"]) }
        return components
    }
}
