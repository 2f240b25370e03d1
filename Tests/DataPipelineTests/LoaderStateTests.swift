import DataPipeline
import DatasetSources
import Foundation
import ImageCodecs
import ImageTransforms
import TensorCore
import TestSupport
import XCTest

/// Resuming an epoch from a saved `LoaderState`: the same batches as an uninterrupted run for
/// any workers and prefetch, with bad files among the samples; another world size sees every
/// remaining sample once, with the same augmentation.
final class LoaderStateTests: XCTestCase {
    private var folder = ""

    /// Fashion-MNIST sample PNGs in class folders, with three bad files among them.
    override func setUpWithError() throws {
        folder = try Fixtures.temporaryFolder()
        try FileManager.default.copyItem(atPath: Fixtures.sample("fashion-mnist/train"), toPath: folder + "/train")
        for (bad, target) in [("bad/empty.png", "0_tshirt_top/00000.png"), ("bad/go/invalid-crc32.png", "3_dress/00004.png"),
                              ("bad/pillow/truncated_image.png", "7_sneaker/00000.png")] {
            try FileManager.default.copyItem(atPath: Fixtures.sample(bad), toPath: folder + "/train/" + target)
        }
    }

    override func tearDown() { Fixtures.removeTemporary(folder) }

    private func loader(workers: Int = 2, prefetch: Int = 2, batchSize: Int = 8, rank: Int = 0, world: Int = 1,
                        seed: UInt64 = 5, dropLast: Bool = false) throws -> BatchLoader {
        let chain = TransformChain([
            try RandomCropTransform(height: 24, width: 24, padding: Padding([2])), try FlipTransform(horizontal: true),
            ToFloatTransform(), try RandomErasingTransform(p: 0.5), try GaussianNoiseTransform(sigma: 0.05, clip: false),
        ])
        let settings = LoaderSettings(batchSize: batchSize, shuffle: true, dropLast: dropLast, workers: workers, prefetch: prefetch,
                                      seed: seed, rank: rank, worldSize: world)
        return try BatchLoader(dataset: try Dataset.listing([folder + "/train"]), chain: chain,
                               decode: DecodeOptions(color: .gray), settings: settings, inputChannels: 1)
    }

    /// The state after `k` batches, through JSON as a user would keep it.
    private func state(after k: Int, of iterator: BatchIterator) throws -> LoaderState {
        for _ in 0..<k { XCTAssertNotNil(iterator.next()) }
        let data = try JSONEncoder().encode(iterator.state)
        return try JSONDecoder().decode(LoaderState.self, from: data)
    }

    func testResumedEpochGivesTheRestBitForBitWithAnyWorkersAndPrefetch() throws {
        let whole = Array(try loader(workers: 1, prefetch: 1).epoch(2))
        XCTAssertEqual(whole.count, 13)   // 100 good of 103 files, batches of 8
        for k in [0, 1, 5, 12, 13] {
            let saved = try state(after: k, of: try loader(workers: 2, prefetch: 3).epoch(2).makeIterator())
            XCTAssertEqual(saved.epoch, 2)
            for (workers, prefetch) in [(1, 1), (3, 8)] {
                let rest = Array(try loader(workers: workers, prefetch: prefetch).epoch(resuming: saved))
                XCTAssertEqual(rest, Array(whole.dropFirst(k)), "after \(k) batches, \(workers) workers, prefetch \(prefetch)")
            }
        }
    }

    /// Ranks save their own places; the same world size resumes each rank from its own state.
    func testEachRankResumesFromItsOwnState() throws {
        for rank in 0..<2 {
            let whole = Array(try loader(rank: rank, world: 2).epoch(1))
            let saved = try state(after: 3, of: try loader(rank: rank, world: 2).epoch(1).makeIterator())
            XCTAssertEqual(Array(try loader(workers: 1, rank: rank, world: 2).epoch(resuming: saved)), Array(whole.dropFirst(3)))
            let other = try loader(rank: 1 - rank, world: 2)
            XCTAssertThrowsError(try other.epoch(resuming: saved)) { XCTAssertTrue("\($0)".contains("rank \(1 - rank)'s place"), "\($0)") }
        }
    }

    /// Two ranks stop after 3 batches; the merged state, loaded by three ranks, gives every
    /// sample the two did not take exactly once (but for at most 2 repeats that even the ranks
    /// out), each with the augmentation the uninterrupted job would have given it.
    func testElasticResumeSeesEveryRemainingSampleOnceWithItsAugmentation() throws {
        let epoch = 4
        var taken: [Int] = [], states: [LoaderState] = []
        var reference: [Int: [Float]] = [:]   // each sample's tensor in a one-rank run of the epoch
        for batch in try loader(workers: 1, batchSize: 1).epoch(epoch) {
            reference[batch.indices[0]] = batch.images.values
        }
        for rank in 0..<2 {
            let iterator = try loader(batchSize: 4, rank: rank, world: 2).epoch(epoch).makeIterator()
            for _ in 0..<3 { taken += try XCTUnwrap(iterator.next()).indices }
            states.append(iterator.state)
        }
        let merged = try LoaderState.merged(states)
        // 2 ranks x 3 batches of 4, and the bad files among their places (skipped, places taken).
        XCTAssertTrue((24...27).contains(merged.consumed), "\(merged.consumed)")
        var seen: [Int] = []
        for rank in 0..<3 {
            for batch in try loader(batchSize: 4, rank: rank, world: 3).epoch(resuming: merged) {
                seen += batch.indices
                for (slot, index) in batch.indices.enumerated() {
                    let size = batch.images.values.count / batch.count
                    XCTAssertEqual(Array(batch.images.values[(slot * size)..<((slot + 1) * size)]), reference[index], "sample \(index)")
                }
            }
        }
        let good = Set(reference.keys)
        XCTAssertEqual(Set(taken).intersection(seen), [], "a sample taken before the resume came again")
        XCTAssertEqual(Set(taken).union(seen), good, "every good sample once")
        XCTAssertLessThanOrEqual(seen.count - Set(seen).count, 2, "at most world size - 1 repeats")
        XCTAssertEqual(taken.count, Set(taken).count)

        // A single rank's state cannot say what the others took.
        XCTAssertThrowsError(try loader(rank: 0, world: 3).epoch(resuming: states[0])) {
            XCTAssertTrue("\($0)".contains("merge the ranks' states"), "\($0)")
        }
    }

    func testStateOfAnotherPipelineIsRefused() throws {
        let saved = try state(after: 2, of: try loader().epoch(0).makeIterator())
        XCTAssertThrowsError(try loader(seed: 6).epoch(resuming: saved)) { XCTAssertTrue("\($0)".contains("another pipeline"), "\($0)") }
        XCTAssertThrowsError(try loader(dropLast: true).epoch(resuming: saved))
        // Batch size, workers and prefetch may change: the samples go on where they stopped.
        let rest = Array(try loader(batchSize: 4).epoch(resuming: saved)).flatMap(\.indices)
        XCTAssertEqual(rest, Array(Array(try loader(batchSize: 4).epoch(0)).flatMap(\.indices).dropFirst(16)))
    }
}
