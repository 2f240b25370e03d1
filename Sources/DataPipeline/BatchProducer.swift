import DatasetSources
import Dispatch
import ImageCodecs
import ImageTransforms
import TensorCore

/// Makes one epoch's batches in order. Each batch is filled in rounds: the next candidates are
/// decoded and transformed in parallel, each written straight into its slot of the batch
/// tensor; failed candidates are reported, the successes compacted, and the next round tops
/// the batch up from the following samples.
struct BatchProducer {
    let loader: BatchLoader
    let epoch: Int
    /// This rank's share of the epoch, and the place in it to start at.
    let indices: [Int]
    let start: Int
    let onFailure: (@Sendable (ImageFileError) -> Void)?

    func run(into queue: PrefetchQueue) {
        let settings = loader.settings
        let batchSize = settings.batchSize, shape = loader.storageShape(count: batchSize)
        let sampleSize = loader.sampleBytes
        let workers = loader.idleWorkers.take(settings.workers) { Worker(loader: loader) }
        defer { loader.idleWorkers.give(workers) }
        // A round fills the current batch and, when the prefetch depth allows, the next one too:
        // each round ends in a barrier (every worker done), and two batches per round halve them.
        let ahead = settings.prefetch >= 2
        var current: BatchStorage?, next: BatchStorage?
        var labels: [Int64] = [], chosen: [Int] = []   // of the samples placed so far, in order
        var places: [Int] = []   // their places in the share
        var position = min(start, indices.count)
        while position < indices.count && !queue.isCancelled {
            if current == nil {
                guard queue.reserve() else { return }
                current = loader.storage.take(shape: shape)   // every slot is written or trimmed
            }
            if ahead && next == nil && indices.count - position > batchSize - chosen.count {
                guard queue.reserve() else { return }
                next = loader.storage.take(shape: shape)
            }
            let base = chosen.count   // candidate k goes to place base + k
            let room = (next == nil ? 1 : 2) * batchSize - base
            let candidates = Array(indices[position..<min(indices.count, position + room)])
            position += candidates.count
            let kept = Places.with(&current, &next, batchSize: batchSize, sampleSize: sampleSize) { places in
                let outcomes = ParallelWork.map(candidates.count, threads: workers.count, state: { workers[$0] }) { worker, k in
                    worker.run(candidates[k], epoch: epoch, into: places[base + k])
                }
                return keepSuccesses(outcomes, move: { places[base + $1].copyMemory(from: places[base + $0], byteCount: sampleSize) },
                                     onFailure: { onFailure?($0) })
            }
            labels += kept.map(\.value)
            chosen += kept.map { candidates[$0.place] }
            places += kept.map { position - candidates.count + $0.place }
            while chosen.count >= batchSize, var full = current.take() {   // taken: the batch's storage is held once
                emit(&full, labels: Array(labels.prefix(batchSize)), indices: Array(chosen.prefix(batchSize)),
                     sharePosition: places[batchSize - 1] + 1, into: queue)
                labels.removeFirst(batchSize)
                chosen.removeFirst(batchSize)
                places.removeFirst(batchSize)
                current = next
                next = nil
            }
        }
        if queue.isCancelled { return }
        if var partial = current.take(), !chosen.isEmpty, !settings.dropLast {
            partial.images.reshape(loader.storageShape(count: chosen.count))
            emit(&partial, labels: labels, indices: chosen, sharePosition: indices.count, into: queue)
        }
        queue.finish()
    }

    private func emit(_ storage: inout BatchStorage, labels: [Int64], indices: [Int], sharePosition: Int, into queue: PrefetchQueue) {
        let targets = loader.mixing.map { mix(&storage.images, labels: labels, indices: indices, $0) }
        var batch = Batch(images: storage.images, labels: labels, indices: indices)
        batch.targets = targets
        batch.sharePosition = sharePosition
        batch.storageToken = storage.token
        if loader.sampleKind == .uint8 { batch.pixelShape = [labels.count] + loader.sampleShape }
        loader.storage.keep(storage.images, token: storage.token)
        queue.put(batch)
    }

    /// The split's batch op on a full or last batch: drawn from a generator of (seed, epoch, the
    /// batch's first sample), so the same batch mixes the same way for any workers or prefetch.
    private func mix(_ images: inout Tensor, labels: [Int64], indices: [Int], _ mixing: BatchLoader.Mixing) -> Tensor {
        var generator = SampleRNG(seed: loader.settings.seed, epoch: UInt64(epoch), index: Self.batchDrawBit | UInt64(indices[0]))
        let op = mixing.mixes.count == 1 ? mixing.mixes[0] : mixing.mixes[generator.integer(upTo: mixing.mixes.count - 1)]
        let (channels, height, width) = (loader.sampleShape[0], loader.sampleShape[1], loader.sampleShape[2])
        let draw = op.draw(width: width, height: height, using: &generator)
        return images.values.withUnsafeMutableBufferPointer { values in
            BatchMix.apply(draw, images: values, count: labels.count, channels: channels, height: height, width: width, labels: labels,
                           classes: mixing.classes)
        }
    }

    /// Generator indices with this bit are batches' (sample indices never reach it).
    static let batchDrawBit: UInt64 = 1 << 62

    /// The samples of the batches being filled: place q is slot q of the first, or slot
    /// q - batchSize of the second (`sampleSize` bytes each). Workers write disjoint places.
    struct Places {
        let first: UnsafeMutableRawPointer, second: UnsafeMutableRawPointer?
        let batchSize: Int, sampleSize: Int

        subscript(_ q: Int) -> UnsafeMutableRawPointer {
            q < batchSize ? first + q * sampleSize : second! + (q - batchSize) * sampleSize
        }

        static func with<R>(_ first: inout BatchStorage?, _ second: inout BatchStorage?,
                            batchSize: Int, sampleSize: Int, _ body: (Places) -> R) -> R {
            first!.images.values.withUnsafeMutableBytes { a in
                guard second != nil else { return body(Places(first: a.baseAddress!, second: nil, batchSize: batchSize, sampleSize: sampleSize)) }
                return second!.images.values.withUnsafeMutableBytes { b in
                    body(Places(first: a.baseAddress!, second: b.baseAddress!, batchSize: batchSize, sampleSize: sampleSize))
                }
            }
        }
    }
}

/// One worker's reader and buffers, reused from sample to sample.
final class Worker: @unchecked Sendable {
    let reader: SampleReader
    var sample = SampleBuffer()
    /// Filter taps of the read plans, kept from sample to sample.
    var planTaps = Resize.Taps()
    /// The loader's chain, seed and sample shape, held here so that a sample reads them without
    /// copying the chain out of the loader (a retain and a release per array inside it).
    let feeder: FeederChain
    let seed: UInt64
    let sampleShape: [Int]
    let sampleSize: Int
    let writesPixels: Bool

    init(loader: BatchLoader) {
        feeder = FeederChain(loader.chain)
        seed = loader.settings.seed
        sampleShape = loader.sampleShape
        sampleSize = loader.sampleShape.reduce(1, *)
        writesPixels = loader.sampleKind == .uint8
        var decode = loader.decode
        if decode.color == .rgb && !writesPixels && feeder.takesGrayForRGB { decode.color = .auto }   // gray files stay gray until to_float
        reader = SampleReader(dataset: loader.dataset, decode: decode)
    }

    /// Makes sample `index` of `epoch` into `output` (its slot); its label, or why it failed.
    func run(_ index: Int, epoch: Int, into output: UnsafeMutableRawPointer) -> SampleOutcome<Int64> {
        reader.attempt(index) {
            var generator = SampleRNG(seed: seed, epoch: UInt64(epoch), index: UInt64(index))
            if writesPixels { return try runToPixels(index, generator: &generator, into: output) }
            // The chain's first draws are taken once the decoded size is known, so that a JPEG
            // photo is decoded only where its first crop (and resize) read it.
            var plan: FeederChain.ReadPlan?
            let label = try reader.read(index, into: &sample) { height, width, channels in
                plan = self.feeder.plan(height: height, width: width, channels: channels, taps: &self.planTaps, using: &generator)
                return plan?.region
            }
            let slot = UnsafeMutableBufferPointer(start: output.assumingMemoryBound(to: Float.self), count: sampleSize)
            try feeder.apply(&sample, using: &generator, into: slot, shape: sampleShape, plan: plan)
            return Int64(label ?? -1)
        }
    }

    /// A chain that stops before `to_float`: the sample's pixels, transformed as `sluice apply`
    /// does, copied into the slot; returns the label.
    private func runToPixels(_ index: Int, generator: inout SampleRNG, into output: UnsafeMutableRawPointer) throws -> Int64 {
        let label = try reader.read(index, into: &sample)
        try feeder.chain.apply(&sample, using: &generator)
        guard !sample.isTensor, sample.image.shape == sampleShape else {
            throw ImageFileError(path: reader.path(of: index), reason: .malformed("the transforms gave \(sample.image.shape), not \(sampleShape)"))
        }
        sample.image.pixels.withUnsafeBytes { output.copyMemory(from: $0.baseAddress!, byteCount: sampleSize) }
        return Int64(label ?? -1)
    }
}
