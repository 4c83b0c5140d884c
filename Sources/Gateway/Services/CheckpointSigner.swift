import Ledger
import ServiceLifecycle

/// Signs a checkpoint at least once a second while entries arrive, and has the witnesses (if any) cosign it.
struct CheckpointSigner: Service {
    let ledger: Ledger
    let witnessing: LedgerWitnessing?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard let (_, note) = try? await ledger.checkpoint() else { continue }
                if let witnessing { _ = await witnessing.cosigned(note: note, waiting: witnessing.signerWait) }
            }
        }
    }
}
