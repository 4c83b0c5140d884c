import Foundation
import PackagePlugin

/// Records the commit a build comes from (`git rev-parse`, with "-dirty" for uncommitted changes to tracked
/// files, "unknown" outside a checkout) as `BuildCommit.value`, for `casegate --version`, `/readyz` and the
/// metrics. The file is rewritten only when the commit changes, so an unchanged tree rebuilds nothing.
@main
struct BuildCommitPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL.path
        let outputs = context.pluginWorkDirectoryURL.appending(path: "generated")
        let output = outputs.appending(path: "BuildCommit.swift").path
        let scratch = context.pluginWorkDirectoryURL.appending(path: "BuildCommit.swift.new").path
        let script = """
            mkdir -p '\(outputs.path)'
            commit=$(git -C '\(root)' rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            if [ "$commit" != unknown ] && [ -n "$(git -C '\(root)' status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi
            printf '/// Written by BuildCommitPlugin.\\nenum BuildCommit {\\n    static let value = "%s"\\n}\\n' "$commit" > '\(scratch)'
            cmp -s '\(scratch)' '\(output)' || mv '\(scratch)' '\(output)'
            """
        return [
            .prebuildCommand(
                displayName: "Recording the commit of this build",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script],
                outputFilesDirectory: outputs
            )
        ]
    }
}
