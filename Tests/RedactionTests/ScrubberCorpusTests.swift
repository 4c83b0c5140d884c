import DemoData
import Foundation
import Redaction
import Testing

/// The scrubber against 300 synthetic narratives typed as caseworkers and complainants type them, every
/// identifier marked (`NarrativeCorpus`): recall by kind (no identifier of a case's own parties may be left)
/// and false positives (ordinary phrases changed). The table it prints is the one in docs/policies.md.
@Suite("Scrubber: recall and false positives on a marked corpus")
struct ScrubberCorpusTests {
    struct Tally {
        var found = 0
        var left = 0
        var examples: [String] = []
    }

    static func measure(_ narratives: [NarrativeCorpus.Narrative]) -> (kinds: [NarrativeCorpus.Kind: Tally], decoys: Tally) {
        var kinds: [NarrativeCorpus.Kind: Tally] = [:]
        var decoys = Tally()
        for narrative in narratives {
            var scrubber = Scrubber(parties: narrative.parties)
            let out = scrubber.scrub(narrative.text)
            for identifier in narrative.identifiers {
                var tally = kinds[identifier.kind] ?? Tally()
                tally.found += 1
                if out.contains(identifier.text) {
                    tally.left += 1
                    if tally.examples.count < 3 { tally.examples.append(identifier.text) }
                }
                kinds[identifier.kind] = tally
            }
            for decoy in narrative.decoys {
                decoys.found += 1
                if !out.contains(decoy) {
                    decoys.left += 1
                    if decoys.examples.count < 3 { decoys.examples.append(decoy) }
                }
            }
        }
        return (kinds, decoys)
    }

    @Test("every identifier of the case's own parties is removed, whatever its form; ordinary phrases are left alone")
    func corpus() {
        var corpus = NarrativeCorpus(seed: 19)
        let narratives = corpus.make(300)
        #expect(narratives.count >= 200)
        let (kinds, decoys) = Self.measure(narratives)
        var table = "| identifier | in corpus | left | recall |\n|---|---:|---:|---:|\n"
        for kind in NarrativeCorpus.Kind.allCases {
            let tally = kinds[kind] ?? Tally()
            let recall = tally.found == 0 ? 1 : Double(tally.found - tally.left) / Double(tally.found)
            table += "| \(kind.rawValue) | \(tally.found) | \(tally.left) | \(String(format: "%.1f%%", recall * 100)) |\n"
            #expect(tally.found > 20, "the corpus has \(kind.rawValue)s")
            #expect(tally.left == 0, "\(kind.rawValue) left: \(tally.examples)")
        }
        table += "| ordinary phrases changed (false positives) | \(decoys.found) | \(decoys.left) | |\n"
        print(table)
        #expect(decoys.left == 0, "phrases changed: \(decoys.examples)")
    }
}
