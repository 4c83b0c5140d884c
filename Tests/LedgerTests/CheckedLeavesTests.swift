import Foundation
import Testing

@testable import Ledger

@Suite("Checking entries in their stored parts")
struct CheckedLeavesTests {
    /// Entry `index`'s row: a disclosure whose field list is long enough to be stored apart.
    func row(_ index: Int, details: [String: String]? = nil) -> LedgerRow {
        let fields = DisclosedFields((0..<6).map { DisclosedField(path: "parties[].field\($0)", rule: "share") })
        return LedgerDraft(
            actor: LedgerActor(kind: .partner, id: "met-police", certificateFingerprint: "ab"),
            recipient: "met-police",
            action: .disclosure,
            caseIDs: ["C1"],
            purpose: "p",
            fields: fields,
            requestID: "r\(index)",
            details: details
        ).row(index: index, time: Date(timeIntervalSince1970: 0))
    }

    /// Checks `row` as a store that keeps its list apart hands it over, with `list` and `at` in place of its own.
    func check(_ checked: inout CheckedLeaves, _ row: LedgerRow, list: [UInt8]? = nil, at: Int? = nil, storedAt: Int? = nil) throws -> Bool {
        let parts = try #require(row.parts)
        let bytes = Array(parts.before + parts.after)
        return bytes.withUnsafeBytes { bytes in
            row.stored.leafHash.withUnsafeBytes { hash in
                (list ?? parts.list.bytes).withUnsafeBytes {
                    checked.check(index: storedAt ?? row.stored.index, bytes: bytes, list: $0, listAt: at ?? parts.at, leafHash: hash)
                }
            }
        }
    }

    @Test("An entry checked in its parts gives the leaf hash the whole entry does, and the hashes run in order")
    func soundParts() throws {
        var checked = CheckedLeaves(first: 5)
        // Text that looks like members, in strings after the list: `index` is still read from its own member.
        let tricky = ["z": ",\"index\":99", "y\\": "\\\",\"index\":98,\""]
        let sound = [try check(&checked, row(5)), try check(&checked, row(6, details: tricky)), checked.check(row(7).stored)]
        #expect(sound == [true, true, true])
        #expect(checked.count == 3 && checked.problem == nil)
        #expect(Array(checked.leafHash(1)) == row(6, details: tricky).stored.leafHash)
        #expect(checked.hashes == row(5).stored.leafHash + row(6, details: tricky).stored.leafHash + row(7).stored.leafHash)
    }

    @Test("A list altered, missing or put back in the wrong place fails the entry's hash; nothing after it is checked")
    func alteredParts() throws {
        let entry = row(3)
        let list = try #require(entry.parts).list.bytes
        let altered = Array(String(decoding: list, as: UTF8.self).replacingOccurrences(of: "share", with: "shard").utf8)
        let at = try #require(entry.parts).at
        for (list, at) in [(altered, at), ([], at), (list, at - 1), (list, -1), (list, 100_000)] as [([UInt8], Int)] {
            var checked = CheckedLeaves(first: 3)
            let results = [try check(&checked, entry, list: list, at: at), try check(&checked, row(4))]
            #expect(results == [false, false], "nothing is checked after a problem")
            #expect(checked.problem == LedgerVerifier.Problem(index: 3, reason: "the entry's bytes do not match its leaf hash: it was altered"))
            #expect(checked.count == 0)
        }
    }

    @Test("An entry out of place is named: a gap, or one that says it is another")
    func misplaced() throws {
        var gap = CheckedLeaves(first: 3)
        let gapResults = [try check(&gap, row(3)), try check(&gap, row(5))]
        #expect(gapResults == [true, false])
        #expect(gap.problem == LedgerVerifier.Problem(index: 4, reason: "entry 4 is missing; the next stored entry is 5"))
        #expect(gap.count == 1)

        var moved = CheckedLeaves(first: 3)
        let movedResult = try check(&moved, row(8), storedAt: 3)
        #expect(!movedResult)
        #expect(moved.problem == LedgerVerifier.Problem(index: 3, reason: "the entry stored here says it is entry 8: entries were moved or replaced"))

        var invalid = CheckedLeaves(first: 0)
        let bytes: [UInt8] = Array("{\"v\":1}".utf8)
        let invalidResult = invalid.check(StoredLedgerEntry(index: 0, bytes: bytes, leafHash: MerkleHash.leaf(bytes)))
        #expect(!invalidResult)
        #expect(invalid.problem?.reason == "the stored bytes are not a valid entry")
    }
}
