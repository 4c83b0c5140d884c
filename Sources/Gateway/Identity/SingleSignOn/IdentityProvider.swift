import AsyncHTTPClient
import ByteEncoding
import Crypto
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1
import Storage
import Synchronization

/// Why a single sign-on was refused. Each is logged and kept in the ledger as the refusal's `reason`.
public enum SignOnRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// The provider's discovery document or keys could not be read, or do not name this issuer.
    case discovery(String)
    /// The callback's `state` is not the one this browser was sent with (a forged or stale callback).
    case state
    /// The provider answered the authorization request with an error (`access_denied`, …).
    case provider(String)
    /// The code could not be exchanged for tokens.
    case tokenExchange(String)
    case signature
    case issuer(String)
    case audience
    case expired
    case nonce
    /// The roles claim maps to no role, or to more than one.
    case noRole
    case ambiguousRole([StaffRole])
    /// No user is linked to this subject and users are not created on first sign-in.
    case unknownUser
    case revoked

    /// The short form the ledger and the metrics use.
    public var reason: String {
        switch self {
        case .discovery: "discovery"
        case .state: "state"
        case .provider: "provider-error"
        case .tokenExchange: "token-exchange"
        case .signature: "signature"
        case .issuer: "issuer"
        case .audience: "audience"
        case .expired: "expired"
        case .nonce: "nonce"
        case .noRole: "no-role"
        case .ambiguousRole: "ambiguous-role"
        case .unknownUser: "unknown-user"
        case .revoked: "revoked"
        }
    }

    public var description: String {
        switch self {
        case .discovery(let why): "the identity provider could not be reached or read: \(why)"
        case .state: "the sign-in came back without the state it was sent with; start again"
        case .provider(let error): "the identity provider refused the sign-in (\(error))"
        case .tokenExchange(let why): "the identity provider did not exchange the code: \(why)"
        case .signature: "the ID token's signature does not verify with the provider's keys"
        case .issuer(let found): "the ID token was issued by '\(found)', not the configured provider"
        case .audience: "the ID token was not issued for this gateway (audience)"
        case .expired: "the ID token has expired"
        case .nonce: "the ID token's nonce is not the one this sign-in sent"
        case .noRole: "your account has no casegate role at the identity provider"
        case .ambiguousRole(let roles): "your account maps to several casegate roles (\(roles.map(\.rawValue).joined(separator: ", "))); ask for one"
        case .unknownUser: "your account is not set up in casegate; ask an admin"
        case .revoked: "your casegate account has been revoked"
        }
    }
}

/// The ID token claims casegate reads (OpenID Connect Core 1.0 §2), in jwt-kit's claim types; the roles
/// claim is read apart, by its configured name.
struct IDTokenClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim?
    var nonce: String?
    var name: String?
    var email: String?

    /// Checked by `IdentityProvider.verify`, in order, for a precise reason.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Who the provider says signed in.
public struct SignedInIdentity: Sendable, Equatable {
    public var subject: String
    public var name: String
    public var role: StaffRole
}

/// The council's OpenID Connect provider: discovery, the authorization request (with PKCE, S256), the code
/// exchange, and ID token checks with its JWKS (jwt-kit): signature, issuer, audience, expiry, nonce. The
/// discovery document and keys are read when first needed and the keys again when a token names a key id
/// they lack (the provider rotated).
public final class IdentityProvider: Sendable {
    struct Discovery: Decodable, Sendable {
        var issuer: String
        var authorizationEndpoint: String
        var tokenEndpoint: String
        var jwksURI: String

        enum CodingKeys: String, CodingKey {
            case issuer
            case authorizationEndpoint = "authorization_endpoint"
            case tokenEndpoint = "token_endpoint"
            case jwksURI = "jwks_uri"
        }
    }

    let settings: SingleSignOnSettings
    private let clientSecret: String?
    private let client: HTTPClient
    private let state = Mutex<(discovery: Discovery?, keys: JWTKeyCollection?)>((nil, nil))
    /// Allowance for clocks a little apart.
    static let leeway: TimeInterval = 60

    public convenience init(settings: SingleSignOnSettings, client: HTTPClient = .shared) throws {
        try self.init(settings: settings, client: client, known: nil)
    }

    /// With the discovery document and keys given rather than fetched (tests of the token checks).
    init(settings: SingleSignOnSettings, client: HTTPClient = .shared, known: (Discovery, JWTKeyCollection)?) throws {
        self.settings = settings
        self.client = client
        if let known { state.withLock { $0 = (known.0, known.1) } }
        if let file = settings.clientSecretFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw SignOnRefusal.discovery("cannot read \(file)") }
            clientSecret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            clientSecret = nil
        }
    }

    /// Where to send the browser: the authorization endpoint with this sign-in's state, nonce and PKCE challenge.
    public func authorizationURL(state: String, nonce: String, verifier: String) async throws -> String {
        let discovery = try await discovered()
        let challenge = Self.base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
        let query = [
            ("response_type", "code"), ("client_id", settings.clientID), ("redirect_uri", settings.redirectURI),
            ("scope", (["openid"] + settings.scopes).joined(separator: " ")), ("state", state), ("nonce", nonce),
            ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ]
        let separator = discovery.authorizationEndpoint.contains("?") ? "&" : "?"
        return discovery.authorizationEndpoint + separator + query.map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
    }

    /// Exchanges the code (with the PKCE verifier) and checks the ID token; the identity and role it gives.
    public func signIn(code: String, verifier: String, nonce: String, now: Date = Date()) async throws(SignOnRefusal) -> SignedInIdentity {
        let idToken = try await exchange(code: code, verifier: verifier)
        let (claims, raw) = try await verify(idToken, nonce: nonce, now: now)
        let role = try role(from: raw)
        let name = claims.name?.trimmingCharacters(in: .whitespacesAndNewlines)
        return SignedInIdentity(subject: claims.sub.value, name: name ?? claims.email ?? claims.sub.value, role: role)
    }

    /// The role the roles claim maps to: exactly one.
    func role(from claims: [String: Any]) throws(SignOnRefusal) -> StaffRole {
        let values: [String] =
            switch claims[settings.rolesClaim] {
            case let list as [Any]: list.compactMap { $0 as? String }
            case let one as String: [one]
            default: []
            }
        let roles = Set(values.compactMap { settings.roles[$0] })
        guard let role = roles.first else { throw .noRole }
        guard roles.count == 1 else { throw .ambiguousRole(roles.sorted { $0.rawValue < $1.rawValue }) }
        return role
    }

    /// Checks an ID token: signature (JWKS), issuer, audience, expiry, nonce, in that order.
    func verify(_ token: String, nonce: String, now: Date) async throws(SignOnRefusal) -> (IDTokenClaims, [String: Any]) {
        let claims: IDTokenClaims
        do {
            claims = try await keys(refresh: false).verify(token, as: IDTokenClaims.self)
        } catch let error as JWTError where error.errorType == .unknownKID {
            do { claims = try await keys(refresh: true).verify(token, as: IDTokenClaims.self) } catch { throw .signature }
        } catch let refusal as SignOnRefusal {
            throw refusal
        } catch {
            throw .signature
        }
        guard claims.iss.value == settings.issuer else { throw .issuer(claims.iss.value) }
        guard claims.aud.value.contains(settings.clientID) else { throw .audience }
        guard claims.exp.value.addingTimeInterval(Self.leeway) > now else { throw .expired }
        guard let sent = claims.nonce, constantTimeEqual(Data(sent.utf8), Data(nonce.utf8)) else { throw .nonce }
        // The roles claim is named by configuration: read from the same, now verified, payload.
        let parts = token.split(separator: ".")
        guard parts.count == 3, let payload = Self.base64URLDecode(String(parts[1])),
            let raw = try? JSONSerialization.jsonObject(with: payload) as? [String: Any]
        else { throw .signature }
        return (claims, raw)
    }

    private func discovered() async throws(SignOnRefusal) -> Discovery {
        if let known = state.withLock({ $0.discovery }) { return known }
        let url =
            settings.issuer.hasSuffix("/")
            ? settings.issuer + ".well-known/openid-configuration" : settings.issuer + "/.well-known/openid-configuration"
        let body = try await get(url)
        guard let discovery = try? JSONDecoder().decode(Discovery.self, from: body) else { throw .discovery("\(url) is not a discovery document") }
        guard discovery.issuer == settings.issuer else { throw .discovery("\(url) names the issuer '\(discovery.issuer)'") }
        state.withLock { $0.discovery = discovery }
        return discovery
    }

    private func keys(refresh: Bool) async throws(SignOnRefusal) -> JWTKeyCollection {
        if !refresh, let known = state.withLock({ $0.keys }) { return known }
        let discovery = try await discovered()
        let body = try await get(discovery.jwksURI)
        let keys = JWTKeyCollection()
        do { try await keys.add(jwksJSON: String(decoding: body, as: UTF8.self)) } catch {
            throw .discovery("\(discovery.jwksURI) is not a JWK set casegate can use")
        }
        state.withLock { $0.keys = keys }
        return keys
    }

    private func exchange(code: String, verifier: String) async throws(SignOnRefusal) -> String {
        let discovery = try await discovered()
        let form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", settings.redirectURI), ("code_verifier", verifier),
            ("client_id", settings.clientID),
        ]
        var request = HTTPClientRequest(url: discovery.tokenEndpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        if let clientSecret {
            // client_secret_basic (RFC 6749 §2.3.1): both parts form-encoded first.
            let credentials = "\(Self.formEncode(settings.clientID)):\(Self.formEncode(clientSecret))"
            request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        }
        request.body = .bytes(ByteBuffer(string: form.map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")))
        let (status, body) = try await send(request, what: "the token endpoint")
        guard status == 200 else {
            let error = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["error"] as? String
            throw .tokenExchange("HTTP \(status)\(error.map { ", \($0)" } ?? "")")
        }
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let idToken = object["id_token"] as? String else {
            throw .tokenExchange("the answer has no id_token")
        }
        return idToken
    }

    private func get(_ url: String) async throws(SignOnRefusal) -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let (status, body) = try await send(request, what: url)
        guard status == 200 else { throw .discovery("\(url) answered HTTP \(status)") }
        return body
    }

    private func send(_ request: HTTPClientRequest, what: String) async throws(SignOnRefusal) -> (Int, Data) {
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), Data(buffer: body))
        } catch {
            throw .discovery("\(what) could not be reached (\(type(of: error)))")
        }
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func base64URL(_ data: Data) -> String { StaffToken.base64URL(data) }

    static func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
