import Ledger
import ServiceLifecycle

/// Signs a checkpoint at least once a second while entries arrive.
struct CheckpointSigner: Service {
    let ledger: Ledger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await ledger.signCheckpoints(every: .seconds(1))
        }
    }
}
