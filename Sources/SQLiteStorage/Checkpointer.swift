import Foundation
import GRDB
import Storage
import Synchronization

/// Copies the case database's write-ahead log into the database file from a connection of its own,
/// so that the ledger's group commits do not wait for it.
///
/// SQLite checkpoints automatically at the end of the commit that takes the log past 1,000 pages, on
/// the committing connection: under a steady disclosure load that is one ledger commit in about sixty
/// paying for copying and syncing some 4 MB, while every disclosure queued behind it waits. After
/// every few ledger commits this runs a passive checkpoint (it never blocks the writer or readers) on
/// its own queue instead; the automatic checkpoint stays as the backstop for other writes.
final class Checkpointer: Sendable {
    private let connection: DatabaseQueue
    private let state = Mutex<(commits: Int, running: Bool, completed: Int)>((0, false, 0))
    /// Ledger commits between checkpoints: a few hundred pages of log at a typical disclosure batch.
    let every: Int

    init(path: String, every: Int = 16) throws {
        var configuration = Configuration()
        configuration.busyMode = .immediateError
        configuration.label = "casegate.checkpointer"
        self.connection = try DatabaseQueue(path: path, configuration: configuration)
        self.every = every
    }

    /// Checkpoints run to the end so far.
    var completed: Int { state.withLock { $0.completed } }

    /// Called after each ledger commit; starts a checkpoint when one is due and none is running.
    func committed() {
        let start = state.withLock { state -> Bool in
            state.commits += 1
            guard state.commits >= every, !state.running else { return false }
            state.commits = 0
            state.running = true
            return true
        }
        guard start else { return }
        connection.asyncWriteWithoutTransaction { [self] db in
            // Passive: copies what no reader still needs and returns; a busy database just means next time.
            let done = (try? db.checkpoint(.passive)) != nil
            state.withLock {
                $0.running = false
                if done { $0.completed += 1 }
            }
        }
    }
}
