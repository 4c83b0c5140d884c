/// What this binary is: its version, and the commit it was built from.
public enum BuildInfo {
    /// The release version; bumped with each release.
    public static let version = "0.9.0"
    /// The commit the binary was built from, or "unknown" when built outside a git checkout.
    public static var commit: String { BuildCommit.value }

    /// `casegate 0.9.0 (commit 1a2b3c4d5e6f)`.
    public static var description: String { "casegate \(version) (commit \(commit))" }
}
