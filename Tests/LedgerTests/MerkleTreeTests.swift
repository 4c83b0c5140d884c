import Foundation
import Ledger
import Testing

@Suite("Merkle tree (RFC 9162) against the RFC 6962 reference vectors")
struct MerkleTreeTests {
    // The inputs and expected values of the RFC 6962 reference test data (certificate-transparency merkle tests).
    static let leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map(hex)
    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    static let inclusion: [(index: Int, size: Int, path: [String])] = [
        (
            0, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        (
            5, 8,
            [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (
            1, 5,
            [
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
    ]
    static let consistency: [(from: Int, to: Int, path: [String])] = [
        (
            1, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        (
            6, 8,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        (
            2, 5,
            [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
    ]

    static func hex(_ s: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            bytes.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return bytes
    }

    var tree: MerkleTree { MerkleTree(leafHashes: Self.leaves.map(MerkleHash.leaf)) }

    @Test func emptyTreeRoot() {
        #expect(MerkleTree().currentRoot() == Self.hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
    }

    @Test("roots of every prefix", arguments: 1...8)
    func roots(size: Int) throws {
        #expect(try tree.root(size: size) == Self.hex(Self.roots[size - 1]))
        #expect(MerkleTree(leafHashes: Self.leaves.prefix(size).map(MerkleHash.leaf)).currentRoot() == Self.hex(Self.roots[size - 1]))
    }

    @Test func inclusionVectors() throws {
        for vector in Self.inclusion {
            let proof = try tree.inclusionProof(index: vector.index, size: vector.size)
            #expect(proof == vector.path.map(Self.hex))
            #expect(
                MerkleProof.verifyInclusion(
                    leafHash: MerkleHash.leaf(Self.leaves[vector.index]),
                    index: vector.index,
                    size: vector.size,
                    proof: proof,
                    root: Self.hex(Self.roots[vector.size - 1])
                )
            )
        }
    }

    @Test func consistencyVectors() throws {
        for vector in Self.consistency {
            let proof = try tree.consistencyProof(from: vector.from, to: vector.to)
            #expect(proof == vector.path.map(Self.hex))
            #expect(
                MerkleProof.verifyConsistency(
                    size1: vector.from,
                    size2: vector.to,
                    root1: Self.hex(Self.roots[vector.from - 1]),
                    root2: Self.hex(Self.roots[vector.to - 1]),
                    proof: proof
                )
            )
        }
    }

    @Test("every proof in trees up to 70 leaves verifies, and fails when anything is changed")
    func exhaustive() throws {
        let leaves = (0..<70).map { MerkleHash.leaf(Array("entry \($0)".utf8)) }
        let tree = MerkleTree(leafHashes: leaves)
        for size in 1...70 {
            let root = try tree.root(size: size)
            #expect(root == MerkleTree(leafHashes: Array(leaves.prefix(size))).currentRoot())
            for index in 0..<size {
                let proof = try tree.inclusionProof(index: index, size: size)
                #expect(MerkleProof.verifyInclusion(leafHash: leaves[index], index: index, size: size, proof: proof, root: root))
                #expect(!MerkleProof.verifyInclusion(leafHash: leaves[(index + 1) % 70], index: index, size: size, proof: proof, root: root))
                if size > 1 {
                    #expect(!MerkleProof.verifyInclusion(leafHash: leaves[index], index: (index + 1) % size, size: size, proof: proof, root: root))
                }
            }
            for from in 1...size {
                let proof = try tree.consistencyProof(from: from, to: size)
                #expect(MerkleProof.verifyConsistency(size1: from, size2: size, root1: try tree.root(size: from), root2: root, proof: proof))
                if from < size {
                    #expect(
                        !MerkleProof.verifyConsistency(
                            size1: from,
                            size2: size,
                            root1: [UInt8](repeating: 0xAB, count: 32),
                            root2: root,
                            proof: proof
                        )
                    )
                }
            }
        }
    }

    @Test(
        "tiles: a tree keeping only its last tile's lower levels gives every root and proof the full tree gives, asking for just the tiles it needs"
    )
    func tiled() throws {
        let leaves = (0..<70).map { MerkleHash.leaf(Array("entry \($0)".utf8)) }
        let full = MerkleTree(leafHashes: leaves, tileHeight: MerkleTree.keepEverything)
        var fetched = 0
        for height in 1...3 {
            let tiled = MerkleTree(leafHashes: leaves, tileHeight: height)
            #expect(tiled.currentRoot() == full.currentRoot())
            // Answers a query as `Ledger` does: on a missing tile, fetch its leaves and ask again.
            func answer<T>(_ query: ([Int: MerkleTree.Tile]) throws(MerkleTree.MissingTile) -> T) -> (T, Int) {
                var tiles: [Int: MerkleTree.Tile] = [:]
                while true {
                    do throws(MerkleTree.MissingTile) {
                        return (try query(tiles), tiles.count)
                    } catch {
                        #expect(tiles[error.tile] == nil, "asked twice for tile \(error.tile)")
                        fetched += 1
                        let start = error.tile << height
                        tiles[error.tile] = MerkleTree.Tile(leafHashes: Array(leaves[start..<(start + (1 << height))]), tileHeight: height)
                    }
                }
            }
            for size in 1...70 {
                let (root, _) = answer { tiles throws(MerkleTree.MissingTile) in try tiled.root(size: size, tiles: tiles) }
                #expect(root == (try full.root(size: size)))
                for index in 0..<size {
                    let (proof, used) = answer { tiles throws(MerkleTree.MissingTile) in
                        try tiled.inclusionProof(index: index, size: size, tiles: tiles)
                    }
                    #expect(proof == (try full.inclusionProof(index: index, size: size)))
                    #expect(used <= 2)
                }
                for from in 1...size {
                    let (proof, used) = answer { tiles throws(MerkleTree.MissingTile) in
                        try tiled.consistencyProof(from: from, to: size, tiles: tiles)
                    }
                    #expect(proof == (try full.consistencyProof(from: from, to: size)))
                    #expect(used <= 3)
                }
            }
        }
        #expect(fetched > 1000, "earlier tiles' lower levels were dropped, so proofs had to fetch them")
    }

    @Test(
        "a tree rebuilt from its tile roots and the leaves after them is the tree: same roots, proofs and tile roots",
        arguments: [1, 2, 3]
    )
    func fromTileRoots(height: Int) throws {
        let leaves = (0..<70).map { MerkleHash.leaf(Array("entry \($0)".utf8)) }
        let full = MerkleTree(leafHashes: leaves, tileHeight: MerkleTree.keepEverything)
        for size in 0...70 {
            let original = MerkleTree(leafHashes: Array(leaves[..<size]), tileHeight: height)
            #expect(original.completeTiles == size >> height)
            let roots = original.tileRoots(from: 0)
            #expect(roots.count == size >> height)
            var rebuilt = MerkleTree(tileRoots: roots, tileHeight: height)
            #expect(rebuilt.size == roots.count << height)
            for leaf in leaves[rebuilt.size..<size] { rebuilt.append(leafHash: leaf) }
            #expect(rebuilt.size == size)
            #expect(rebuilt.currentRoot() == original.currentRoot())
            #expect(rebuilt.tileRoots(from: 0) == roots)
            #expect(rebuilt.tileRoots(from: 1) == Array(roots.dropFirst()))
            guard size > 0 else { continue }
            // Every tile the rebuilt tree holds a root for is accepted from the leaves, and a proof through it is the full tree's.
            var checked: [Int: MerkleTree.Tile] = [:]
            for tile in 0..<roots.count {
                let stored = MerkleTree.Tile(leafHashes: Array(leaves[(tile << height)..<((tile + 1) << height)]), tileHeight: height)
                checked[tile] = try rebuilt.check(stored, index: tile)
            }
            for index in 0..<size {
                #expect(try rebuilt.inclusionProof(index: index, size: size, tiles: checked) == full.inclusionProof(index: index, size: size))
            }
            for from in 1...size {
                #expect(try rebuilt.root(size: from, tiles: checked) == full.root(size: from))
                #expect(try rebuilt.consistencyProof(from: from, to: size, tiles: checked) == full.consistencyProof(from: from, to: size))
            }
        }
    }

    @Test("a tile whose leaves do not hash to the recorded root is refused")
    func alteredTileAgainstRoots() throws {
        let leaves = (0..<20).map { MerkleHash.leaf(Array("entry \($0)".utf8)) }
        let roots = MerkleTree(leafHashes: leaves, tileHeight: 2).tileRoots(from: 0)
        let rebuilt = MerkleTree(tileRoots: roots, tileHeight: 2)
        var altered = Array(leaves[4..<8])
        altered[1] = MerkleHash.leaf(Array("changed".utf8))
        #expect(throws: MerkleTree.TileMismatch(tile: 1)) { try rebuilt.check(MerkleTree.Tile(leafHashes: altered, tileHeight: 2), index: 1) }
        #expect { try rebuilt.inclusionProof(index: 5, size: 20) } throws: { ($0 as? MerkleTree.MissingTile)?.tile == 1 }
    }
}
