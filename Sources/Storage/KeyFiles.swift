import Foundation

/// Where the master and ledger keys are read from, first found: an inherited file descriptor
/// (`CASEGATE_MASTER_KEY_FD`, `CASEGATE_LEDGER_KEY_FD`: a secret manager's pipe), systemd's credentials
/// directory (`$CREDENTIALS_DIRECTORY`, filled by `LoadCredential=`) when it holds the key, else the data
/// directory. A key passed either way never has to sit beside the data it protects.
public enum KeyFiles {
    public static let masterKeyName = "master.key"
    public static let ledgerKeyName = "ledger.key"

    public static func masterKey(dataDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        file(masterKeyName, descriptorVariable: "CASEGATE_MASTER_KEY_FD", dataDirectory: dataDirectory, environment: environment)
    }

    /// A master-key rotation's next key: always in the data directory, where `keys rotate-master` writes it.
    public static func nextMasterKey(dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent(masterKeyName + ".next")
    }

    public static func ledgerKey(dataDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        file(ledgerKeyName, descriptorVariable: "CASEGATE_LEDGER_KEY_FD", dataDirectory: dataDirectory, environment: environment)
    }

    static func file(_ name: String, descriptorVariable: String, dataDirectory: URL, environment: [String: String]) -> URL {
        if let descriptor = environment[descriptorVariable].flatMap(Int32.init), descriptor > 2 {
            return URL(fileURLWithPath: "/dev/fd/\(descriptor)")
        }
        if let credentials = environment["CREDENTIALS_DIRECTORY"], !credentials.isEmpty {
            let credential = URL(fileURLWithPath: credentials).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: credential.path) { return credential }
        }
        return dataDirectory.appendingPathComponent(name)
    }
}
