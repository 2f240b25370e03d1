import DatasetSources
import Dispatch
import ImageCodecs
import ImageTransforms
import Synchronization
import TensorCore

/// Feeds the batches of one split: epoch order -> this rank's partition -> parallel decode and
/// transform -> batches in order through a bounded prefetch.
///
/// Every sample's random draws come from (seed, epoch, dataset index), and batches are formed
/// in order, so their bytes are the same for any number of workers and any prefetch depth.
/// A sample that fails is reported and skipped; its batch is filled from the following samples.
public final class BatchLoader: Sendable {
    public let dataset: Dataset
    public let chain: TransformChain
    public let decode: DecodeOptions
    public let settings: LoaderSettings
    /// [C, H, W] of every float sample, or [H, W, C] of every uint8 one (`sampleKind`).
    public let sampleShape: [Int]
    /// Float32 after `to_float`; uint8 pixels when the chain stops before it (`allowsPixels`).
    public let sampleKind: SampleKind
    /// Storage of batches the consumer has dropped, written again by the next ones.
    let storage: BatchStoragePool
    /// Workers between epochs, with their decoders and grown buffers (like PyTorch's
    /// `persistent_workers`): an epoch starts without allocating.
    let idleWorkers = IdleWorkers()

    public enum SampleKind: Sendable {
        case float32, uint8
    }

    /// Checks the chain: it must end in a float tensor whose size does not depend on the input,
    /// or, with `allowsPixels`, in a uint8 image of fixed size (batches of `Batch.pixelShape`).
    public init(dataset: Dataset, chain: TransformChain, decode: DecodeOptions, settings: LoaderSettings,
                inputChannels: Int?, allowsPixels: Bool = false) throws(TransformError) {
        guard settings.batchSize >= 1, settings.workers >= 1, settings.prefetch >= 1 else {
            throw TransformError("batch size, workers and prefetch must be at least 1")
        }
        guard settings.worldSize >= 1, (0..<settings.worldSize).contains(settings.rank) else {
            throw TransformError("rank \(settings.rank) is not in 0..<\(settings.worldSize)")
        }
        let shapes = try chain.shapes(from: Self.inputShape(of: dataset, channels: inputChannels))
        switch shapes.last {
        case .tensor(let c?, let h?, let w?)?:
            (sampleShape, sampleKind) = ([c, h, w], .float32)
        case .image(let h?, let w?, let c?)? where allowsPixels:
            (sampleShape, sampleKind) = ([h, w, c], .uint8)
        case .tensor(nil, _?, _?)?:
            throw TransformError("the channels of the images are not fixed: set decode: {color: rgb} (or gray) in the pipeline file")
        case .image(_?, _?, nil)? where allowsPixels:
            throw TransformError("the channels of the images are not fixed: set decode: {color: rgb} (or gray) in the pipeline file")
        default:
            let ending = allowsPixels ? "an image or float tensor of fixed size (crop or resize, then optionally to_float)" : "a float tensor of fixed size (crop or resize, then to_float)"
            throw TransformError("the transforms must end in \(ending); they end in \(shapes.last?.description ?? "the decoded image")")
        }
        self.dataset = dataset
        self.chain = chain
        self.decode = decode
        self.settings = settings
        storage = BatchStoragePool(capacity: settings.prefetch + 2)
    }

    /// Bytes of one sample in a batch.
    var sampleBytes: Int { sampleShape.reduce(1, *) * (sampleKind == .float32 ? 4 : 1) }

    /// The storage tensor of a batch of `count` samples: [count] + sampleShape, or for uint8
    /// pixels the floats that hold their bytes.
    func storageShape(count: Int) -> [Int] {
        sampleKind == .float32 ? [count] + sampleShape : [(count * sampleBytes + 3) / 4]
    }

    /// The decoded sample shape: known for IDX sets and shards of one size, else only the channels.
    public static func inputShape(of dataset: Dataset, channels: Int?) -> SampleShape {
        let sizes = Set(dataset.parts.map { part -> [Int] in
            switch part {
            case .idx(let set): [set.height, set.width, set.channels]
            case .shards(let set): set.index.imageShape
            case .files: []
            }
        })
        if sizes.count == 1, let size = sizes.first, size.count == 3 {
            return .image(height: size[0], width: size[1], channels: size[2])
        }
        return .image(height: nil, width: nil, channels: channels)
    }

    /// This rank's dataset indices for `epoch`, in order.
    public func indices(epoch: Int) -> [Int] {
        let order = EpochOrder.order(count: dataset.count, seed: settings.seed, epoch: epoch, shuffle: settings.shuffle)
        return Partition(rank: settings.rank, worldSize: settings.worldSize, dropLast: settings.dropLast).apply(order)
    }

    /// The batches of `epoch`. Dropping the iterator early stops its work.
    public func epoch(_ epoch: Int, onFailure: (@Sendable (ImageFileError) -> Void)? = nil) -> EpochBatches {
        EpochBatches(loader: self, epoch: epoch, onFailure: onFailure)
    }
}

public struct EpochBatches: Sequence, Sendable {
    let loader: BatchLoader
    let epoch: Int
    let onFailure: (@Sendable (ImageFileError) -> Void)?

    public func makeIterator() -> BatchIterator {
        BatchIterator(loader: loader, epoch: epoch, onFailure: onFailure)
    }
}

/// What a wait for the next batch gave.
public enum BatchWait: Sendable {
    case batch(Batch)
    case finished
    case timedOut
}

/// Hands out batches in order while a producer prepares up to `prefetch` ahead.
public final class BatchIterator: IteratorProtocol {
    private let queue: PrefetchQueue
    private let producer = DispatchGroup()

    init(loader: BatchLoader, epoch: Int, onFailure: (@Sendable (ImageFileError) -> Void)?) {
        let queue = PrefetchQueue(capacity: loader.settings.prefetch)
        self.queue = queue
        DispatchQueue.global().async(group: producer) {
            BatchProducer(loader: loader, epoch: epoch, onFailure: onFailure).run(into: queue)
        }
    }

    public func next() -> Batch? { queue.take() }

    /// The next batch, waiting until `deadline` at most: a caller that must stay responsive
    /// (to Ctrl-C in Python, say) waits in slices.
    public func next(before deadline: DispatchTime) -> BatchWait { queue.take(before: deadline) }

    deinit {
        queue.cancel()
        producer.wait()   // no thread outlives the iterator
    }
}
