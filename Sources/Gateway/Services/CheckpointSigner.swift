import Ledger
import ServiceLifecycle

/// Signs a checkpoint at least once a second while entries arrive, and has the witnesses (if any) cosign it.
struct CheckpointSigner: Service {
    let ledger: Ledger
    let witnessing: LedgerWitnessing?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            if let witnessing {
                await witnessing.run(every: .seconds(1))
            } else {
                await ledger.signCheckpoints(every: .seconds(1))
            }
        }
    }
}
