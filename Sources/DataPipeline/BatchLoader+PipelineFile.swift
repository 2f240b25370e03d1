import DatasetSources
import ImageCodecs
import ImageTransforms
import PipelineConfig
import TensorShards
import TensorCore

extension PipelineFile.Source {
    /// What to list for this source (shards are opened, not listed).
    public var datasetInput: Dataset.Input? {
        switch self {
        case .folder(let path), .files(let path): .path(path)
        case .idx(let images, let labels): .idx(images: images, labels: labels)
        case .shards: nil
        }
    }
}

extension PipelineFile {
    /// The samples of `split` and the transforms still to run on them: the split's source and
    /// whole chain, or, when it reads shards (its `{shards: DIR}` source or `shards`), the shard
    /// set and the transforms after the stored ones. Shards made by another plan are refused.
    /// `input` replaces the split's source (the benchmark runs a recipe on its own image sets).
    public func feed(_ split: String, shards: String? = nil, input: Dataset.Input? = nil) throws -> (dataset: Dataset, chain: TransformChain) {
        let chain = try self.chain(split)
        let folder: String
        if let input {
            return (try Dataset.listing([input]), chain)
        } else if let shards {
            folder = shards
        } else if case .shards(let path)? = data[split] {
            folder = path
        } else if let input = data[split]?.datasetInput {
            return (try Dataset.listing([input]), chain)
        } else {
            throw LoaderError(message: "\(path): no data for split '\(split)'")
        }
        let set = try ShardSet(folder: folder)
        let plan = ShardPlan(chain: chain, decode: decodeOptions(split: split), input: .image(height: nil, width: nil, channels: color.channels))
        guard plan.digest == set.index.pipelineDigest else {
            throw LoaderError(message: "\(folder): these shards were made with other decoding or deterministic transforms than split '\(split)' of \(path) (digest \(set.index.pipelineDigest), the file gives \(plan.digest)); rerun sluice shard")
        }
        return (Dataset(parts: [.shards(set)], classes: set.index.classes), plan.remaining)
    }
}

/// Why a pipeline file's split cannot be fed.
public struct LoaderError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension BatchLoader {
    /// The loader of a pipeline file's split, with its data source, decode colour, transforms,
    /// seed and loader block; `workers` nil takes the file's (`auto`: cores - 1, at least 1,
    /// leaving room for the trainer); `limit` keeps the first samples only; `shuffle` nil takes
    /// the file's, as does `prefetch` nil; `shards` reads the split from that shard folder instead of its source, and
    /// `input` from those files; `allowsPixels` accepts a chain that stops before `to_float`.
    public convenience init(pipeline file: PipelineFile, split: String, workers: Int? = nil, rank: Int = 0,
                            worldSize: Int = 1, cores: Int, limit: Int? = nil, shuffle: Bool? = nil, prefetch: Int? = nil,
                            shards: String? = nil, input: Dataset.Input? = nil, allowsPixels: Bool = false) throws {
        let settings = LoaderSettings(batchSize: file.loader.batchSize, shuffle: shuffle ?? file.loader.shuffle, dropLast: file.loader.dropLast,
                                      workers: workers ?? file.loader.workers ?? max(1, cores - 1), prefetch: prefetch ?? file.loader.prefetch,
                                      seed: file.seed, rank: rank, worldSize: worldSize)
        let channels = file.color.channels
        var (dataset, chain) = try file.feed(split, shards: shards, input: input)
        if let limit { dataset = dataset.prefix(limit) }
        let mixing = try file.batchTransforms[split].map { try Self.mixing($0, dataset: dataset, classNames: file.classNames, split: split) }
        try self.init(dataset: dataset, chain: chain, decode: file.decodeOptions(split: split),
                      settings: settings, inputChannels: channels, allowsPixels: allowsPixels, mixing: mixing)
    }

    /// A split's batch ops with their classes: `num_classes`, else the dataset's classes (folders),
    /// the file's `classes`, or the largest label + 1. Every sample must have a label below it.
    static func mixing(_ batch: BatchTransforms, dataset: Dataset, classNames: [String]?, split: String) throws -> Mixing {
        var largest: Int64 = -1
        for position in 0..<dataset.count {
            guard let label = dataset.sample(at: position).label else {
                throw LoaderError(message: "split '\(split)': mixup and cutmix need labelled samples; \(dataset.name(of: position)) has no label")
            }
            largest = max(largest, Int64(label))
        }
        let classes = batch.classes ?? (dataset.classes.isEmpty ? classNames?.count ?? Int(largest + 1) : dataset.classes.count)
        guard largest < classes else {
            throw LoaderError(message: "split '\(split)': label \(largest) does not fit num_classes \(classes) (labels are 0...num_classes - 1)")
        }
        return Mixing(mixes: batch.mixes, classes: max(classes, 1))
    }
}
