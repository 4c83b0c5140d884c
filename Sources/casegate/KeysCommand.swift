import ArgumentParser
import Foundation
import Gateway
import Ledger
import Storage

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Rotate the master key that wraps every case's data key.",
        subcommands: [RotateMaster.self]
    )

    struct RotateMaster: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-master",
            abstract: "Re-wrap every data key under a new master key, online, in batches; safe to run again after a crash.",
            discussion: """
                Writes the new key to master.key.next in the data directory, switches new cases to it, re-wraps the \
                existing data keys in batches, records a master-key-rotation ledger entry, switches the store to the \
                new key and replaces master.key. Gateways keep serving: they read master.key.next when they first \
                need it. With several instances, run --prepare first and copy master.key.next into each one's data \
                directory. Pseudonyms and subject searches do not change.
                """
        )
        @OptionGroup var storage: StorageOptions
        @Option(help: "The ledger origin (the configuration's ledger_origin).") var origin = GatewayConfiguration().ledgerOrigin
        @Option(help: "Data keys re-wrapped per transaction.") var batchSize = 500
        @Flag(help: "Only write master.key.next (to copy to every instance), and stop.") var prepare = false

        func run() async throws {
            try await storage.with { backend in
                var rotation = MasterKeyRotation(dataDirectory: URL(fileURLWithPath: storage.dataDir), storage: backend)
                rotation.batchSize = batchSize
                if prepare {
                    let next = try rotation.prepare()
                    print("master.key.next holds master key \(next.idText): copy it into every instance's data directory, then run rotate-master")
                    return
                }
                let ledger = try await storage.ledger(backend, origin: origin)
                do {
                    let rotated = try await rotation.run(ledger: ledger, actor: cliActor) { progress in
                        if progress.read % 50_000 < batchSize { print("  \(progress.read) data keys read, \(progress.rewrapped) re-wrapped") }
                    }
                    print(
                        "master key \(rotated.oldKeyID) replaced by \(rotated.newKeyID): \(rotated.rewrapped) data keys re-wrapped, ledger entry \(rotated.entry)"
                    )
                    print("back up the new master.key now; the old one opens nothing in this store any more")
                } catch let error as MasterKeyRotationError {
                    throw ValidationError(error.description)
                }
            }
        }
    }
}
