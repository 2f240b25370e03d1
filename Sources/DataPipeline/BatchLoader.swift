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
    /// Of what decides an epoch's samples and their draws, for `LoaderState`: the dataset's
    /// sources and size, the transforms, seed, shuffle and drop_last (not the batch size,
    /// workers, prefetch or ranks, which a resumed run may change).
    public let digest: String

    /// The split's batch ops (mixup, cutmix; one per batch), with the classes of the soft targets.
    public let mixing: Mixing?

    public enum SampleKind: Sendable {
        case float32, uint8
    }

    public struct Mixing: Sendable, Equatable {
        public var mixes: [BatchMix]
        public var classes: Int
        public init(mixes: [BatchMix], classes: Int) {
            self.mixes = mixes
            self.classes = classes
        }
    }

    /// Checks the chain: it must end in a float tensor whose size does not depend on the input,
    /// or, with `allowsPixels`, in a uint8 image of fixed size (batches of `Batch.pixelShape`).
    public init(dataset: Dataset, chain: TransformChain, decode: DecodeOptions, settings: LoaderSettings,
                inputChannels: Int?, allowsPixels: Bool = false, mixing: Mixing? = nil) throws(TransformError) {
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
        if let mixing {
            guard sampleKind == .float32 else { throw TransformError("mixup and cutmix mix float batches: end the transforms with to_float") }
            guard !mixing.mixes.isEmpty, mixing.classes >= 1 else { throw TransformError("batch ops need at least one op and one class") }
        }
        self.dataset = dataset
        self.chain = chain
        self.decode = decode
        self.settings = settings
        self.mixing = mixing
        storage = BatchStoragePool(capacity: settings.prefetch + 2)
        digest = Self.digest(dataset: dataset, chain: chain, settings: settings, mixing: mixing)
    }

    static func digest(dataset: Dataset, chain: TransformChain, settings: LoaderSettings, mixing: Mixing?) -> String {
        let sources = dataset.parts.map { part -> String in
            switch part {
            case .files(let entries): "files \(entries.count) \(entries.first?.path ?? "") \(entries.last?.path ?? "")"
            case .idx(let set): "idx \(set.count) \(set.images.path)"
            case .shards(let set): "shards \(set.count) \(set.folder)"
            }
        }
        let text = "\(dataset.count)|\(sources.joined(separator: ";"))|\(chain.transforms.map(\.description).joined(separator: ";"))"
            + "|seed \(settings.seed) shuffle \(settings.shuffle) drop_last \(settings.dropLast)"
            + (mixing.map { "|batch \($0.mixes.map(\.description).joined(separator: ";")) classes \($0.classes)" } ?? "")
        // Two FNV-1a-style hashes of the text (other bases, one with a shift): 128 bits, to tell pipelines apart.
        var first: UInt64 = 0xcbf2_9ce4_8422_2325, second: UInt64 = 0x6c62_272e_07bb_0142
        for byte in text.utf8 {
            first = (first ^ UInt64(byte)) &* 0x100_0000_01b3
            second = (second ^ UInt64(byte)) &* 0x100_0000_01b3 ^ (second >> 29)
        }
        return [first, second].map { value in
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
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
        share(epoch: epoch).indices
    }

    /// The batches of `epoch`. Dropping the iterator early stops its work.
    public func epoch(_ epoch: Int, onFailure: (@Sendable (ImageFileError) -> Void)? = nil) -> EpochBatches {
        EpochBatches(loader: self, epoch: epoch, share: share(epoch: epoch), onFailure: onFailure)
    }

    /// The rest of the epoch `state` was saved in: exactly the batches an uninterrupted run would
    /// have given next, for any workers and prefetch; or, with another world size than the
    /// state's, this rank's share of what every rank left (`state` must then know every rank's
    /// place: `LoaderState.merged`).
    public func epoch(resuming state: LoaderState, onFailure: (@Sendable (ImageFileError) -> Void)? = nil) throws(LoaderStateError) -> EpochBatches {
        EpochBatches(loader: self, epoch: state.epoch, share: try share(resuming: state), onFailure: onFailure)
    }

    /// This rank's share of an epoch: the dataset indices, the place to start at, and the
    /// segments consumed before the share's own.
    struct Share: Sendable {
        var indices: [Int]
        var start: Int
        var before: [LoaderState.Segment]
    }

    func share(epoch: Int) -> Share {
        let order = EpochOrder.order(count: dataset.count, seed: settings.seed, epoch: epoch, shuffle: settings.shuffle)
        return Share(indices: partition.apply(order), start: 0, before: [])
    }

    func share(resuming state: LoaderState) throws(LoaderStateError) -> Share {
        guard state.version == LoaderState.currentVersion else {
            throw LoaderStateError("a state of version \(state.version); this Sluice reads version \(LoaderState.currentVersion)")
        }
        guard state.digest == digest, state.seed == settings.seed else {
            throw LoaderStateError("the state is of another pipeline (its dataset, transforms, seed, shuffle or drop_last differ)")
        }
        guard let last = state.segments.last else { return share(epoch: state.epoch) }
        let order = EpochOrder.order(count: dataset.count, seed: settings.seed, epoch: state.epoch, shuffle: settings.shuffle)
        if last.worldSize == settings.worldSize {   // the same split: this rank goes on from its place
            let before = Array(state.segments.dropLast())
            let left = try state.remainder(of: order, dropLast: settings.dropLast, through: before.count)
            guard last.positions[settings.rank] >= 0 else {
                throw LoaderStateError("the state does not know rank \(settings.rank)'s place: load the state that rank saved, or the ranks' states merged")
            }
            return Share(indices: partition.apply(left), start: last.positions[settings.rank], before: before)
        }
        let left = try state.remainder(of: order, dropLast: settings.dropLast, through: state.segments.count)
        return Share(indices: partition.apply(left), start: 0, before: state.segments)
    }

    private var partition: Partition { Partition(rank: settings.rank, worldSize: settings.worldSize, dropLast: settings.dropLast) }
}

public struct EpochBatches: Sequence, Sendable {
    let loader: BatchLoader
    let epoch: Int
    let share: BatchLoader.Share
    let onFailure: (@Sendable (ImageFileError) -> Void)?

    public func makeIterator() -> BatchIterator {
        BatchIterator(loader: loader, epoch: epoch, share: share, onFailure: onFailure)
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
    private let loader: BatchLoader
    private let epoch: Int
    private let share: BatchLoader.Share
    /// The place in the share after the batches handed out so far.
    private var position: Int

    init(loader: BatchLoader, epoch: Int, share: BatchLoader.Share, onFailure: (@Sendable (ImageFileError) -> Void)?) {
        let queue = PrefetchQueue(capacity: loader.settings.prefetch)
        self.queue = queue
        self.loader = loader
        self.epoch = epoch
        self.share = share
        position = share.start
        DispatchQueue.global().async(group: producer) {
            BatchProducer(loader: loader, epoch: epoch, indices: share.indices, start: share.start, onFailure: onFailure).run(into: queue)
        }
    }

    public func next() -> Batch? { handedOut(queue.take()) }

    /// The next batch, waiting until `deadline` at most: a caller that must stay responsive
    /// (to Ctrl-C in Python, say) waits in slices.
    public func next(before deadline: DispatchTime) -> BatchWait {
        let wait = queue.take(before: deadline)
        switch wait {
        case .batch(let batch): _ = handedOut(batch)
        case .finished: _ = handedOut(nil)
        case .timedOut: break
        }
        return wait
    }

    private func handedOut(_ batch: Batch?) -> Batch? {
        position = batch?.sharePosition ?? share.indices.count   // the end: the whole share is consumed
        return batch
    }

    /// The state after the batches handed out so far: `BatchLoader.epoch(resuming:)` of it
    /// gives the batches this iterator would give next. Only this rank's place is known in it.
    public var state: LoaderState {
        var positions = [Int](repeating: -1, count: loader.settings.worldSize)
        positions[loader.settings.rank] = position
        return LoaderState(seed: loader.settings.seed, epoch: epoch, digest: loader.digest,
                           segments: share.before + [LoaderState.Segment(worldSize: loader.settings.worldSize, positions: positions)])
    }

    deinit {
        queue.cancel()
        producer.wait()   // no thread outlives the iterator
    }
}
