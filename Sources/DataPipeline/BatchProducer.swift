import DatasetSources
import Dispatch
import ImageCodecs
import ImageTransforms
import Synchronization
import TensorCore

/// Makes one epoch's batches in order. Each batch is filled in rounds: the next candidates are
/// decoded and transformed in parallel, each written straight into its slot of the batch
/// tensor; failed candidates are reported, the successes compacted, and the next round tops
/// the batch up from the following samples.
struct BatchProducer {
    let loader: BatchLoader
    let epoch: Int
    let onFailure: (@Sendable (ImageFileError) -> Void)?

    func run(into queue: PrefetchQueue) {
        let indices = loader.indices(epoch: epoch)
        let settings = loader.settings
        let sampleSize = loader.sampleShape.reduce(1, *)
        let workers = loader.idleWorkers.take(settings.workers) { Worker(loader: loader) }
        defer { loader.idleWorkers.give(workers) }
        var position = 0
        while position < indices.count {
            guard queue.reserve() else { return }
            var (images, token) = loader.storage.take(shape: [settings.batchSize] + loader.sampleShape)   // every slot is written or trimmed
            var labels: [Int64] = [], chosen: [Int] = []
            while chosen.count < settings.batchSize && position < indices.count && !queue.isCancelled {
                let base = chosen.count   // successes so far; candidate k goes to slot base + k
                let candidates = Array(indices[position..<min(indices.count, position + settings.batchSize - base)])
                position += candidates.count
                let outcomes = images.values.withUnsafeMutableBufferPointer { values in
                    process(candidates, into: values.baseAddress! + base * sampleSize, sampleSize: sampleSize, workers: workers)
                }
                // Compact: successes move down over failed slots, in candidate order.
                for (offset, outcome) in outcomes.enumerated() {
                    switch outcome {
                    case .success(let label):
                        let from = (base + offset) * sampleSize
                        let to = labels.count * sampleSize
                        if from != to {
                            images.values.withUnsafeMutableBufferPointer { values in
                                (values.baseAddress! + to).update(from: values.baseAddress! + from, count: sampleSize)
                            }
                        }
                        labels.append(label)
                    case .failure(let error):
                        onFailure?(error)
                    }
                }
                chosen += zip(candidates, outcomes).compactMap { if case .success = $1 { return $0 }; return nil }
            }
            if queue.isCancelled { return }
            if chosen.isEmpty || (chosen.count < settings.batchSize && settings.dropLast) { break }
            if chosen.count < settings.batchSize { images.reshape([chosen.count] + loader.sampleShape) }
            var batch = Batch(images: images, labels: labels, indices: chosen)
            batch.storageToken = token
            loader.storage.keep(images, token: token)
            queue.put(batch)
        }
        queue.finish()
    }

    enum Outcome {
        case success(Int64)
        case failure(ImageFileError)
    }

    /// Runs `candidates` on the workers; candidate k is written at `output + k * sampleSize`.
    private func process(_ candidates: [Int], into output: UnsafeMutablePointer<Float>, sampleSize: Int,
                         workers: [Worker]) -> [Outcome] {
        let next = Atomic<Int>(0)
        let results = SlotArray<Outcome>(count: candidates.count)
        let target = SendablePointer(output)
        DispatchQueue.concurrentPerform(iterations: min(workers.count, candidates.count)) { worker in
            while true {
                let k = next.add(1, ordering: .relaxed).oldValue
                if k >= candidates.count { break }
                results.store(workers[worker].run(candidates[k], epoch: epoch, into: target.pointer + k * sampleSize), at: k)
            }
        }
        return results.elements.map { $0! }   // concurrentPerform has filled every slot
    }
}

/// One worker's reader and buffers, reused from sample to sample.
final class Worker: @unchecked Sendable {
    let loader: BatchLoader
    let reader: SampleReader
    var sample = SampleBuffer()

    init(loader: BatchLoader) {
        self.loader = loader
        var decode = loader.decode
        if decode.color == .rgb && loader.chain.takesGrayForRGB { decode.color = .auto }   // gray files stay gray until to_float
        reader = SampleReader(dataset: loader.dataset, decode: decode)
    }

    func run(_ index: Int, epoch: Int, into output: UnsafeMutablePointer<Float>) -> BatchProducer.Outcome {
        do {
            let label = try reader.read(index, into: &sample)
            var generator = SampleRNG(seed: loader.settings.seed, epoch: UInt64(epoch), index: UInt64(index))
            let slot = UnsafeMutableBufferPointer(start: output, count: loader.sampleShape.reduce(1, *))
            do {
                try loader.chain.apply(&sample, using: &generator, into: slot, shape: loader.sampleShape)
            } catch {
                throw ImageFileError(path: reader.path(of: index), reason: .malformed(error.message))
            }
            return .success(Int64(label ?? -1))
        } catch let error as ImageFileError {
            return .failure(error)
        } catch {
            return .failure(ImageFileError(path: reader.path(of: index), reason: .malformed("\(error)")))
        }
    }
}

/// A pointer handed to workers that write disjoint regions of it.
struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
