import Foundation
import Ledger

/// The witnesses that cosign the ledger's checkpoints (C2SP tlog-witness), and how many must. The
/// configuration file's `witnessing` block:
///
/// ```yaml
/// witnessing:
///   quorum: 2                  # k of the n below; default all of them
///   timeout_seconds: 5         # per request to a witness
///   witnesses:
///     - url: https://witness.met.police.uk/casegate
///       key: witness.met.police.uk/casegate+1a2b3c4d+BH…=   # from `casegate witness public-key`
///       ca: /etc/casegate/met-witness-ca.pem              # optional: trust for an https witness's certificate
///     - url: http://127.0.0.1:7381
///       key: ico.example/w1+…
/// ```
public struct WitnessingSettings: Codable, Sendable, Equatable {
    public struct Endpoint: Codable, Sendable, Equatable {
        /// The submission prefix: the witness takes `POST <url>/add-checkpoint`.
        public var url: String
        public var key: WitnessPublicKey
        public var ca: String?

        public init(url: String, key: WitnessPublicKey, ca: String? = nil) {
            self.url = url
            self.key = key
            self.ca = ca
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case url, key, ca }

        public init(from decoder: any Decoder) throws {
            try ConfigurationKeys.refuseUnknown(in: decoder, known: CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(String.self, forKey: .url)
            ca = try c.decodeIfPresent(String.self, forKey: .ca)
            guard let parsed = URL(string: url), parsed.scheme == "https" || parsed.scheme == "http", parsed.host != nil else {
                throw DecodingError.dataCorruptedError(forKey: .url, in: c, debugDescription: "'\(url)' is not an http(s) URL")
            }
            let text = try c.decode(String.self, forKey: .key)
            do {
                key = try WitnessPublicKey(verifierKey: text)
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .key, in: c, debugDescription: "\(error)")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(url, forKey: .url)
            try c.encode(key.verifierKey, forKey: .key)
            try c.encodeIfPresent(ca, forKey: .ca)
        }
    }

    public var witnesses: [Endpoint]
    public var quorum: Int
    public var timeoutSeconds: Int

    public init(witnesses: [Endpoint], quorum: Int? = nil, timeoutSeconds: Int = 5) {
        self.witnesses = witnesses
        self.quorum = quorum ?? witnesses.count
        self.timeoutSeconds = timeoutSeconds
    }

    /// What a partner needs to check a cosigned checkpoint: the witnesses' keys and the quorum.
    public var policy: WitnessPolicy { WitnessPolicy(witnesses: witnesses.map(\.key), quorum: quorum) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case witnesses, quorum
        case timeoutSeconds = "timeout_seconds"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigurationKeys.refuseUnknown(in: decoder, known: CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        witnesses = try c.decode([Endpoint].self, forKey: .witnesses)
        quorum = try c.decodeIfPresent(Int.self, forKey: .quorum) ?? witnesses.count
        timeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 5
        guard !witnesses.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .witnesses, in: c, debugDescription: "name at least one witness, or leave witnessing out")
        }
        guard (1...witnesses.count).contains(quorum) else {
            throw DecodingError.dataCorruptedError(
                forKey: .quorum,
                in: c,
                debugDescription: "quorum must be from 1 to the \(witnesses.count) witnesses named"
            )
        }
        guard (1...60).contains(timeoutSeconds) else {
            throw DecodingError.dataCorruptedError(forKey: .timeoutSeconds, in: c, debugDescription: "timeout_seconds must be from 1 to 60")
        }
        let names = witnesses.map(\.key.name)
        if let repeated = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw DecodingError.dataCorruptedError(forKey: .witnesses, in: c, debugDescription: "witness '\(repeated)' is named twice")
        }
    }
}
