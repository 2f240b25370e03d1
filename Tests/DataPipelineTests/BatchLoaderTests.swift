import DataPipeline
import PipelineConfig
import DatasetSources
import Foundation
import ImageCodecs
import ImageTransforms
import TensorCore
import TestSupport
import XCTest

final class BatchLoaderTests: XCTestCase {
    private var folder = ""

    /// Fashion-MNIST sample PNGs in class folders, with four bad files among them.
    override func setUpWithError() throws {
        folder = try Fixtures.temporaryFolder()
        let source = Fixtures.sample("fashion-mnist/train")
        try FileManager.default.copyItem(atPath: source, toPath: folder + "/train")
        for (bad, target) in [("bad/empty.png", "0_tshirt_top/00000.png"), ("bad/go/invalid-crc32.png", "3_dress/00004.png"),
                              ("bad/pillow/truncated_image.png", "7_sneaker/00000.png"), ("bad/go/invalid-zlib.png", "7_sneaker/99999.png")] {
            try FileManager.default.copyItem(atPath: Fixtures.sample(bad), toPath: folder + "/train/" + target)
        }
    }

    override func tearDown() { Fixtures.removeTemporary(folder) }

    private func loader(workers: Int, prefetch: Int, batchSize: Int = 16, dropLast: Bool = false, rank: Int = 0, world: Int = 1) throws -> BatchLoader {
        let chain = TransformChain([
            try RandomCropTransform(height: 24, width: 24, padding: Padding([2])),
            try FlipTransform(horizontal: true),
            ToFloatTransform(),
            try NormalizeTransform(mean: [0.286], std: [0.353]),
            try RandomErasingTransform(p: 0.5),
            try GaussianNoiseTransform(sigma: 0.05, clip: false),
        ])
        let settings = LoaderSettings(batchSize: batchSize, shuffle: true, dropLast: dropLast, workers: workers,
                                      prefetch: prefetch, seed: 11, rank: rank, worldSize: world)
        return try BatchLoader(dataset: try Dataset.listing([folder + "/train"]), chain: chain,
                               decode: DecodeOptions(color: .gray), settings: settings, inputChannels: 1)
    }

    func testBatchesAreBitIdenticalForAnyWorkerCountAndPrefetch() throws {
        let reference = Array(try loader(workers: 1, prefetch: 1).epoch(3))
        XCTAssertEqual(reference.count, 7)   // 100 good of 104 files, batches of 16: 6 full + 4
        XCTAssertEqual(reference.last?.count, 4)
        XCTAssertEqual(reference.first?.images.shape, [16, 1, 24, 24])
        for (workers, prefetch) in [(2, 1), (2, 8), (8, 1), (8, 8), (3, 2)] {
            let batches = Array(try loader(workers: workers, prefetch: prefetch).epoch(3))
            XCTAssertEqual(batches, reference, "workers \(workers), prefetch \(prefetch)")
        }
        XCTAssertNotEqual(Array(try loader(workers: 2, prefetch: 2).epoch(4)), reference)   // another epoch
    }

    /// Each slot of a batch holds the chain applied to its RGB-decoded file, bit for bit, though
    /// the feeder keeps gray files gray until to_float and writes the tensor in place.
    func testEverySlotIsItsFileThroughTheChain() throws {
        let chain = TransformChain([
            try ResizeTransform(size: .shorterSide(40)), try RandomCropTransform(height: 32, width: 32, padding: Padding([2])),
            try FlipTransform(horizontal: true), ToFloatTransform(),
            try NormalizeTransform(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]),
            try RandomErasingTransform(p: 0.5, value: .random), try GaussianNoiseTransform(sigma: 0.1, clip: false),
        ])
        XCTAssertTrue(FeederChain(chain).takesGrayForRGB)
        try assertSlotsAreTheirFiles(through: chain, decode: DecodeOptions(color: .rgb))
    }

    /// The same when the feeder decodes JPEG photos only where a resize and the crop after it
    /// read them (the photos recipe; a centre crop; with draft decoding), only the box of a
    /// `random_resized_crop`, or only the image's part of a crop's window.
    func testPartlyDecodedPhotosGiveTheWholeDecodesTensors() throws {
        let tail: [any Transform] = [try FlipTransform(horizontal: true), ToFloatTransform(),
                                     try NormalizeTransform(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]),
                                     try RandomErasingTransform(p: 0.5, value: .random)]
        let random = TransformChain([try ResizeTransform(size: .shorterSide(96)), try RandomCropTransform(height: 84, width: 84)] + tail)
        let center = TransformChain([try ResizeTransform(size: .shorterSide(120), interpolation: .bicubic), try CenterCropTransform(height: 100, width: 90)] + tail)
        var taps = Resize.Taps(), generator = SampleRNG(seed: 0, epoch: 0, index: 0)
        XCTAssertNotNil(FeederChain(random).plan(height: 450, width: 600, channels: 3, taps: &taps, using: &generator)?.region)
        XCTAssertNotNil(FeederChain(center).plan(height: 450, width: 600, channels: 3, taps: &taps, using: &generator)?.region)
        try assertSlotsAreTheirFiles(through: random, decode: DecodeOptions(color: .rgb))
        try assertSlotsAreTheirFiles(through: center, decode: DecodeOptions(color: .rgb))
        try assertSlotsAreTheirFiles(through: random, decode: DecodeOptions(color: .rgb, draftShorterSide: 96))
        let resized = TransformChain([try RandomResizedCropTransform(height: 64, width: 48)] + tail)
        XCTAssertNotNil(FeederChain(resized).plan(height: 450, width: 600, channels: 3, taps: &taps, using: &generator))
        try assertSlotsAreTheirFiles(through: resized, decode: DecodeOptions(color: .rgb))
        // A crop that to_float reads: plain, padded past the image's edges, centred.
        for first in [try RandomCropTransform(height: 200, width: 180), try RandomCropTransform(height: 290, width: 260, padding: Padding([40])),
                      try CenterCropTransform(height: 256, width: 240)] as [any Transform] {
            let chain = TransformChain([first] + tail)
            XCTAssertNotNil(FeederChain(chain).plan(height: 300, width: 451, channels: 3, taps: &taps, using: &generator), "\(first)")
            try assertSlotsAreTheirFiles(through: chain, decode: DecodeOptions(color: .rgb))
        }
    }

    private func assertSlotsAreTheirFiles(through chain: TransformChain, decode: DecodeOptions, file: StaticString = #filePath, line: UInt = #line) throws {
        let dataset = try Dataset.listing([Fixtures.sample("photos")])
        let settings = LoaderSettings(batchSize: 5, shuffle: true, dropLast: false, workers: 2, prefetch: 2, seed: 3, rank: 0, worldSize: 1)
        let loader = try BatchLoader(dataset: dataset, chain: chain, decode: decode, settings: settings, inputChannels: 3)
        let decoder = ImageDecoder(options: decode)
        var native = decode
        native.color = .auto
        let nativeDecoder = ImageDecoder(options: native)
        var graySamples = 0, compared = 0
        for batch in loader.epoch(1) {
            for (slot, index) in batch.indices.enumerated() {
                guard case .file(let path, _) = dataset.sample(at: index) else { return XCTFail("not a file", file: file, line: line) }
                var sample = SampleBuffer()
                _ = try decoder.decodeFile(path, into: &sample.image)
                var generator = SampleRNG(seed: 3, epoch: 1, index: UInt64(index))
                try chain.apply(&sample, using: &generator)
                let size = sample.tensor.count
                XCTAssertEqual(batch.images.values[(slot * size)..<((slot + 1) * size)].map(\.bitPattern),
                               sample.tensor.values.map(\.bitPattern), path, file: file, line: line)
                var gray = Image<UInt8>()
                _ = try nativeDecoder.decodeFile(path, into: &gray)
                if gray.channels == 1 { graySamples += 1 }
                compared += 1
            }
        }
        XCTAssertEqual(compared, dataset.count, file: file, line: line)
        XCTAssertGreaterThanOrEqual(graySamples, 3, file: file, line: line)
    }

    /// Batch storage is reused once the consumer drops a batch, and never while any copy of it,
    /// or of its values alone, is alive.
    func testReusedBatchStorageNeverChangesABatchStillHeld() throws {
        let loader = try loader(workers: 2, prefetch: 2)
        let reference = Array(loader.epoch(3))
        for _ in 0..<3 {   // dropping every batch: storage goes round
            XCTAssertEqual(loader.epoch(3).map { $0.images.values.reduce(0, +) }, reference.map { $0.images.values.reduce(0, +) })
        }
        var kept: [[Float]] = []
        for batch in loader.epoch(3) { kept.append(batch.images.values) }   // the batch dropped, its values kept
        _ = Array(loader.epoch(4))
        XCTAssertEqual(kept, reference.map(\.images.values))
    }

    func testTheAsyncSequenceGivesTheSameBatches() async throws {
        let reference = Array(try loader(workers: 2, prefetch: 2).epoch(5))
        var batches: [Batch] = []
        for await batch in try loader(workers: 2, prefetch: 1).asyncEpoch(5) { batches.append(batch) }
        XCTAssertEqual(batches, reference)
        // A consumer that stops early leaves nothing running (the iterator joins its producer).
        var iterator = try loader(workers: 2, prefetch: 1).asyncEpoch(5).makeAsyncIterator()
        let first = await iterator.next()
        XCTAssertEqual(first, reference.first)
    }

    func testBadFilesAreReportedAndEveryGoodSampleComesOnce() throws {
        let failures = FailureLog()
        let loader = try loader(workers: 2, prefetch: 2)
        let batches = Array(loader.epoch(0) { failures.append($0) })
        let seen = batches.flatMap(\.indices)
        let good = loader.indices(epoch: 0).filter { index in
            guard case .file(let path, _) = loader.dataset.sample(at: index) else { return false }
            return !failures.paths.contains(path)
        }
        XCTAssertEqual(seen, good)   // in epoch order, each once
        XCTAssertEqual(seen.count, 100)
        XCTAssertEqual(failures.paths.count, 4)
        XCTAssertEqual(Set(batches.flatMap(\.labels)).count, 10)
    }

    func testRanksTogetherCoverTheEpoch() throws {
        var covered: [Int] = []
        for rank in 0..<3 {
            covered += try loader(workers: 2, prefetch: 2, rank: rank, world: 3).epoch(1).flatMap(\.indices)
        }
        let all = try loader(workers: 1, prefetch: 1).epoch(1).flatMap(\.indices)
        XCTAssertEqual(Set(covered), Set(all))   // 104 files pad to 105 across 3 ranks; bad ones skipped
    }

    func testStoppingAfterOneBatchStopsTheProducer() throws {
        let loader = try loader(workers: 2, prefetch: 1, batchSize: 4)
        for _ in 0..<20 {
            var iterator: BatchIterator? = loader.epoch(0).makeIterator()
            XCTAssertEqual(iterator?.next()?.count, 4)
            iterator = nil   // deinit cancels and waits for the producer
        }
        var iterator = loader.epoch(0).makeIterator()
        var count = 0
        while let batch = iterator.next() { count += batch.count }
        XCTAssertEqual(count, 100)
        XCTAssertNil(iterator.next())   // still nil after the end
    }

    func testDropLastAndIDXLabels() throws {
        let batches = Array(try loader(workers: 2, prefetch: 2, dropLast: true).epoch(0))
        XCTAssertTrue(batches.allSatisfy { $0.count == 16 })
        let images = try Fixtures.fashionMNIST("t10k-images-idx3-ubyte.gz")
        let dataset = try Dataset.listing([images])
        let idx = try BatchLoader(dataset: dataset, chain: TransformChain([ToFloatTransform()]), decode: DecodeOptions(),
                                  settings: LoaderSettings(batchSize: 1000, shuffle: false, workers: 2, prefetch: 2), inputChannels: 1)
        var iterator = idx.epoch(0).makeIterator()
        let first = try XCTUnwrap(iterator.next())
        XCTAssertEqual(Array(first.labels.prefix(10)), [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])   // Fashion-MNIST test labels
        XCTAssertEqual(first.images.shape, [1000, 1, 28, 28])
    }

    func testAChainWithoutAFixedSizeIsRefused() throws {
        XCTAssertThrowsError(try BatchLoader(dataset: try Dataset.listing([folder + "/train"]), chain: TransformChain([ToFloatTransform()]),
                                             decode: DecodeOptions(), settings: LoaderSettings(), inputChannels: 1))
    }
}

/// Failures reported from worker threads, in report order.
final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ error: ImageFileError) { lock.lock(); list.append(error.path); lock.unlock() }
    var paths: [String] { lock.lock(); defer { lock.unlock() }; return list }
}

extension BatchLoaderTests {
    func testALoaderFromAPipelineFile() throws {
        let file = try PipelineConfig.PipelineFile.parse("""
            version: 1
            seed: 3
            data: {train: {folder: \(folder)/train}}
            decode: {color: gray}
            transforms: {train: [center_crop: {size: 20}, to_float: {}]}
            loader: {batch_size: 32, shuffle: false, workers: auto}
            """, path: "t.yaml")
        let loader = try BatchLoader(pipeline: file, split: "train", cores: 2)
        XCTAssertEqual(loader.settings.workers, 1)   // auto on 2 cores leaves one for the trainer
        let batches = Array(loader.epoch(0))
        XCTAssertEqual(batches.map(\.count), [32, 32, 32, 4])
        XCTAssertEqual(batches[0].images.shape, [32, 1, 20, 20])
        XCTAssertThrowsError(try BatchLoader(pipeline: file, split: "test", cores: 2))
    }
}

extension BatchLoaderTests {
    /// Resident memory of this process, from /proc/self/statm (pages).
    private func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * 4096 : 0
    }

    /// The prefetch bound holds memory flat: after 60k samples of an epoch the process uses no
    /// more than 10% more memory than after 10k. (It may use less: an allocator, AddressSanitizer's
    /// above all, can hand freed memory back to the system meanwhile.)
    func testMemoryStaysFlatOverAnEpoch() throws {
        let images = try Fixtures.fashionMNIST("train-images-idx3-ubyte.gz")
        let chain = TransformChain([try RandomCropTransform(height: 28, width: 28, padding: Padding([2])), ToFloatTransform()])
        let loader = try BatchLoader(dataset: try Dataset.listing([images]), chain: chain, decode: DecodeOptions(),
                                     settings: LoaderSettings(batchSize: 256, workers: 2, prefetch: 4), inputChannels: 1)
        var seen = 0, afterTenThousand = 0
        for batch in loader.epoch(0) {
            seen += batch.count
            if afterTenThousand == 0 && seen >= 10_000 { afterTenThousand = residentBytes() }
        }
        let atEnd = residentBytes()
        XCTAssertEqual(seen, 60_000)
        XCTAssertGreaterThan(afterTenThousand, 0)
        XCTAssertLessThan(Double(atEnd - afterTenThousand) / Double(afterTenThousand), 0.10,
                          "resident memory \(afterTenThousand) after 10k samples, \(atEnd) after 60k")
    }
}

extension BatchLoaderTests {
    /// A split's batch ops: the same mixed batches and soft targets for any workers and prefetch;
    /// each batch is its unmixed self mixed with the draw of (seed, epoch, first sample); targets
    /// are rows of one_hot(labels) mixed with the previous sample's, summing to 1; both ops appear.
    func testBatchOpsMixTheSameForAnyWorkersAndGiveSoftTargets() throws {
        func loader(_ batchOps: String, workers: Int, prefetch: Int) throws -> BatchLoader {
            let file = try PipelineConfig.PipelineFile.parse("""
                version: 1
                seed: 5
                data: {train: {folder: \(folder)/train}}
                decode: {color: gray}
                transforms: {train: [random_crop: {size: 24}, to_float: {}]}
                \(batchOps)
                loader: {batch_size: 16, shuffle: true, workers: \(workers), prefetch: \(prefetch)}
                """, path: "t.yaml")
            return try BatchLoader(pipeline: file, split: "train", cores: 2)
        }
        let ops = "batch_transforms: {train: [mixup: {alpha: 0.4}, cutmix: {alpha: 1.0}]}"
        let reference = Array(try loader(ops, workers: 1, prefetch: 1).epoch(2))
        XCTAssertEqual(reference.count, 7)
        for (workers, prefetch) in [(2, 4), (3, 1)] {
            XCTAssertEqual(Array(try loader(ops, workers: workers, prefetch: prefetch).epoch(2)), reference)
        }
        let plain = Array(try loader("", workers: 2, prefetch: 2).epoch(2))
        XCTAssertNil(plain[0].targets)
        var kinds = Set<String>()
        for (mixed, unmixed) in zip(reference, plain) {
            XCTAssertEqual(mixed.labels, unmixed.labels)
            XCTAssertEqual(mixed.indices, unmixed.indices)
            let targets = try XCTUnwrap(mixed.targets)
            XCTAssertEqual(targets.shape, [mixed.count, 10])
            for n in 0..<mixed.count {
                let row = Array(targets.values[(n * 10)..<((n + 1) * 10)])
                XCTAssertEqual(Double(row.reduce(0, +)), 1, accuracy: 1e-6)
                let previous = Int(mixed.labels[(n + mixed.count - 1) % mixed.count])
                XCTAssertEqual(Set(row.indices.filter { row[$0] > 0 }).subtracting([Int(mixed.labels[n]), previous]), [])
            }
            // Replaying the batch's draw on the unmixed batch gives the mixed one.
            var generator = SampleRNG(seed: 5, epoch: 2, index: (1 << 62) | UInt64(mixed.indices[0]))
            let op = [BatchMix.mixup(alpha: 0.4), .cutmix(alpha: 1.0)][generator.integer(upTo: 1)]
            kinds.insert(op.name)
            let draw = op.draw(width: 24, height: 24, using: &generator)
            var images = unmixed.images
            let replayed = images.values.withUnsafeMutableBufferPointer {
                BatchMix.apply(draw, images: $0, count: mixed.count, channels: 1, height: 24, width: 24, labels: mixed.labels, classes: 10)
            }
            XCTAssertEqual(images, mixed.images)
            XCTAssertEqual(replayed, targets)
        }
        XCTAssertEqual(kinds, ["mixup", "cutmix"])
        // Refused: a split whose batches are not float, num_classes below a label, no such split.
        XCTAssertThrowsError(try PipelineConfig.PipelineFile.parse("""
            version: 1
            transforms: {train: [center_crop: {size: 8}]}
            batch_transforms: {train: [mixup: {}]}
            """, path: "t.yaml"))
        XCTAssertThrowsError(try loader("batch_transforms: {train: [cutmix: {num_classes: 5}]}", workers: 1, prefetch: 1)) { error in
            XCTAssertTrue("\(error)".contains("label 9 does not fit num_classes 5"), "\(error)")
        }
        XCTAssertThrowsError(try loader("batch_transforms: {test: [mixup: {}]}", workers: 1, prefetch: 1))
    }
}
