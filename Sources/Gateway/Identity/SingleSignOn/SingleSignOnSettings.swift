import Foundation
import Storage

/// The council's identity provider, for staff signing in to the console and casework pages (OpenID Connect
/// Core 1.0, authorization code flow with PKCE). The configuration file's `single_sign_on` block:
///
/// ```yaml
/// single_sign_on:
///   issuer: https://login.microsoftonline.com/<tenant>/v2.0
///   client_id: casegate-console
///   client_secret_file: /etc/casegate/oidc-client-secret   # optional; a public client uses PKCE alone
///   redirect_uri: https://casegate.ealing.gov.uk/console/sso/callback
///   roles_claim: groups
///   roles: { "ASB-Caseworkers": caseworker, "ASB-Information-Governance": ig-officer, "Casegate-Admins": admin }
///   create_users: true
/// ```
public struct SingleSignOnSettings: Codable, Sendable, Equatable {
    /// The provider's issuer identifier; discovery is read from `<issuer>/.well-known/openid-configuration`.
    public var issuer: String
    public var clientID: String
    /// A file holding the client secret (sent with HTTP Basic), when the provider gives one.
    public var clientSecretFile: String?
    /// This gateway's callback, `https://<staff listener>/console/sso/callback`, as registered with the provider.
    public var redirectURI: String
    /// The ID token claim holding the user's groups or roles (a string or a list of strings).
    public var rolesClaim: String
    /// Claim value → role. A user whose values map to no role, or to more than one, is refused.
    public var roles: [String: StaffRole]
    /// Create a user on first sign-in; otherwise only users linked in advance (`users link`) may sign in.
    public var createUsers: Bool
    /// Scopes asked for besides `openid`.
    public var scopes: [String]

    public init(
        issuer: String,
        clientID: String,
        clientSecretFile: String? = nil,
        redirectURI: String,
        rolesClaim: String = "groups",
        roles: [String: StaffRole],
        createUsers: Bool = false,
        scopes: [String] = ["profile", "email"]
    ) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecretFile = clientSecretFile
        self.redirectURI = redirectURI
        self.rolesClaim = rolesClaim
        self.roles = roles
        self.createUsers = createUsers
        self.scopes = scopes
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case issuer, roles, scopes
        case clientID = "client_id"
        case clientSecretFile = "client_secret_file"
        case redirectURI = "redirect_uri"
        case rolesClaim = "roles_claim"
        case createUsers = "create_users"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigurationKeys.refuseUnknown(in: decoder, known: CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        issuer = try c.decode(String.self, forKey: .issuer)
        clientID = try c.decode(String.self, forKey: .clientID)
        clientSecretFile = try c.decodeIfPresent(String.self, forKey: .clientSecretFile)
        redirectURI = try c.decode(String.self, forKey: .redirectURI)
        rolesClaim = try c.decodeIfPresent(String.self, forKey: .rolesClaim) ?? "groups"
        roles = try c.decode([String: StaffRole].self, forKey: .roles)
        createUsers = try c.decodeIfPresent(Bool.self, forKey: .createUsers) ?? false
        scopes = try c.decodeIfPresent([String].self, forKey: .scopes) ?? ["profile", "email"]
        guard let url = URL(string: issuer), let scheme = url.scheme, scheme == "https" || Self.isLoopback(url) else {
            throw DecodingError.dataCorruptedError(
                forKey: .issuer,
                in: c,
                debugDescription: "issuer must be an https URL (http only for a provider on this machine, in tests)"
            )
        }
        guard URL(string: redirectURI)?.scheme == "https" else {
            throw DecodingError.dataCorruptedError(forKey: .redirectURI, in: c, debugDescription: "redirect_uri must be an https URL")
        }
        guard !roles.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .roles, in: c, debugDescription: "roles must map at least one value")
        }
    }

    static func isLoopback(_ url: URL) -> Bool {
        url.scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(url.host ?? "")
    }
}
