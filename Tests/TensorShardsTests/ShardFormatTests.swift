import Foundation
import TestSupport
import XCTest
@testable import TensorShards

final class ShardFormatTests: XCTestCase {
    func testCRC32CMatchesTheStandardCheckValues() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)   // RFC 3720 check value
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)   // RFC 3720 B.4
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum(Array(0..<32)), 0x46DD_794E)
        // Continuing over pieces equals the whole, at every split point (slicing-by-8 tails).
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for cut in 0...bytes.count {
            let head = CRC32C.checksum(Array(bytes[..<cut]))
            XCTAssertEqual(Array(bytes[cut...]).withUnsafeBytes { CRC32C.checksum($0, continuing: head) }, CRC32C.checksum(bytes))
        }
    }

    func testShardsRoundTripAndDamageIsNamed() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { Fixtures.removeTemporary(folder) }
        let images: [UInt8] = (0..<36).map { (value: Int) -> UInt8 in UInt8(value * 7 % 256) }
        let shard = try ShardFile.write(folder: folder, rank: 1, number: 4, imageShape: [2, 2, 3], images: images, labels: [0, 2, 1],
                                        indices: [40, 41, 43], pipelineDigest: "abc")
        XCTAssertEqual(shard.file, "shard-00001-00004.safetensors")
        // Channel 0 holds images[0], images[3], ...: its sums are exact.
        let channel0 = stride(from: 0, to: images.count, by: 3).map { UInt64(images[$0]) }
        XCTAssertEqual(shard.pixelSums[0], "\(channel0.reduce(0, +))")
        XCTAssertEqual(shard.pixelSquareSums[0], "\(channel0.map { $0 * $0 }.reduce(0, +))")
        let index = ShardIndex(pipelineDigest: "abc", split: "train", imageShape: [2, 2, 3], classes: ["a", "b", "c"], totalSamples: 44,
                               samplesPerShard: 10, worldSize: 3, ranks: [0, 1, 2], shards: [shard])   // shard 4 is written by rank 4 % 3 = 1
        try AtomicFile.write(Array(try index.encoded()), to: folder + "/index.json")
        let set = try ShardSet(folder: folder)
        XCTAssertEqual(set.labels, [0, 2, 1])
        XCTAssertEqual(set.sampleIndices, [40, 41, 43])
        XCTAssertEqual(set.withRecord(2) { Array($0) }, Array(images[24..<36]))
        XCTAssertEqual(index.mean[0], Double(channel0.reduce(0, +)) / 4 / 3 / 255, accuracy: 1e-12)
        // One flipped bit in the labels is found and named.
        var bytes = Array(try XCTUnwrap(FileManager.default.contents(atPath: folder + "/" + shard.file)))
        bytes[bytes.count - 30] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + shard.file))
        XCTAssertThrowsError(try ShardFile.verify(folder + "/" + shard.file, shard: shard, index: index)) { error in
            XCTAssertTrue("\(error)".contains("shard-00001-00004.safetensors: tensor 'labels' is corrupted"), "\(error)")
        }
        XCTAssertThrowsError(try ShardSet(folder: folder))
    }

    /// An index is checked before it is trusted: every way of editing it that the reader used to
    /// follow is now an error naming the index and what is wrong.
    func testEditedIndexesAreRefused() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { Fixtures.removeTemporary(folder) }
        let shard = try ShardFile.write(folder: folder, rank: 0, number: 0, imageShape: [1, 2, 1], images: [10, 20, 30, 40], labels: [0, 1],
                                        indices: [0, 1], pipelineDigest: "abc")
        let index = ShardIndex(pipelineDigest: "abc", split: "train", imageShape: [1, 2, 1], classes: [], totalSamples: 2,
                               samplesPerShard: 2, worldSize: 1, ranks: [0], shards: [shard])
        let text = String(decoding: try index.encoded(), as: UTF8.self)
        let path = folder + "/index.json"
        func refusal(_ edited: String) -> String {
            try? Data(edited.utf8).write(to: URL(fileURLWithPath: path))
            do { _ = try ShardSet(folder: folder); return "accepted" } catch { return error.description }
        }
        XCTAssertEqual(refusal(text), "accepted")
        var twice = index
        twice.shards.append(shard)
        let cases: [(String, String)] = [
            (String(decoding: try twice.encoded(), as: UTF8.self), "is listed twice"),
            (text.replacingOccurrences(of: "\"shard-00000-00000.safetensors\"", with: "\"../other/shard-00000-00000.safetensors\""), "the file must be shard-00000-00000.safetensors in the index's folder"),
            (text.replacingOccurrences(of: "\"samples_per_shard\" : 2", with: "\"samples_per_shard\" : 0"), "samples_per_shard 0"),
            (text.replacingOccurrences(of: "\"total_samples\" : 2", with: "\"total_samples\" : 1"), "do not fit its place"),
            (text.replacingOccurrences(of: "sluice-shards-1", with: "sluice-shards-9"), "unknown format 'sluice-shards-9'"),
            (text.replacingOccurrences(of: "\"split\" : \"train\",", with: ""), "not a shard index: key 'split' is missing at the top level"),
            (text.replacingOccurrences(of: "\"number\" : 0", with: "\"number\" : \"zero\""), "not a shard index: shards[0].number is not an integer"),
            (String(text.prefix(40)), "not a shard index: not valid JSON"),
        ]
        for (edited, expected) in cases {
            let problem = refusal(edited)
            XCTAssertTrue(problem.hasPrefix(path + ": ") && problem.contains(expected), "\(expected): \(problem)")
        }
        // A mean edited by hand no longer matches the exact sums.
        let mean = try XCTUnwrap(text.range(of: #""mean" : \[\s*[0-9.e-]+"#, options: .regularExpression))
        XCTAssertTrue(refusal(text.replacingCharacters(in: mean, with: "\"mean\" : [ 0.5")).contains("are not what the shards' pixel sums give"))
        // Sums edited together with the mean pass the index check but not verify.
        var forged = index
        forged.shards[0].pixelSums = ["101"]
        forged = ShardIndex(pipelineDigest: "abc", split: "train", imageShape: [1, 2, 1], classes: [], totalSamples: 2, samplesPerShard: 2,
                            worldSize: 1, ranks: [0], shards: forged.shards)
        XCTAssertThrowsError(try ShardFile.verify(folder + "/" + shard.file, shard: forged.shards[0], index: forged)) { error in
            XCTAssertTrue("\(error)".contains("its pixel sums are not the index's"), "\(error)")
        }
    }

    func testMergeNeedsEveryRankOnce() throws {
        func part(_ rank: Int) -> ShardIndex {
            let shard = ShardIndex.Shard(file: "shard-0000\(rank)-0000\(rank).safetensors", number: rank, rank: rank, count: 2, bytes: 10,
                                         crc32c: [:], pixelSums: ["\(rank * 10)"], pixelSquareSums: ["\(rank * 100)"])
            return ShardIndex(pipelineDigest: "d", split: "train", imageShape: [1, 1, 1], classes: [], totalSamples: 6, samplesPerShard: 2,
                              worldSize: 3, ranks: [rank], shards: [shard])
        }
        let merged = try ShardIndex.merge([(part(2), "/data/x"), (part(0), "/data/x"), (part(1), "/data/x/y")], into: "/data/x")
        XCTAssertEqual(merged.ranks, [0, 1, 2])
        XCTAssertEqual(merged.shards.map(\.number), [0, 1, 2])
        XCTAssertEqual(merged.shards[1].file, "y/shard-00001-00001.safetensors")
        // An index names files inside its folder only.
        XCTAssertThrowsError(try ShardIndex.merge([(part(0), "/data/x"), (part(1), "/data/y"), (part(2), "/data/x")], into: "/data/x")) { error in
            XCTAssertTrue("\(error)".contains("/data/y: is not inside /data/x"), "\(error)")
        }
        XCTAssertThrowsError(try ShardIndex.merge([(part(0), "/x"), (part(1), "/x")], into: "/x"))   // rank 2 missing
        XCTAssertThrowsError(try ShardIndex.merge([(part(0), "/x"), (part(0), "/x"), (part(1), "/x")], into: "/x"))
    }
}
