import DatasetSources
import ImageCodecs
import ImageTransforms
import PipelineConfig

extension PipelineFile.Source {
    /// What to list for this source; shards are not readable yet.
    public var datasetInput: Dataset.Input? {
        switch self {
        case .folder(let path), .files(let path): .path(path)
        case .idx(let images, let labels): .idx(images: images, labels: labels)
        case .shards: nil
        }
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
    /// the file's.
    public convenience init(pipeline file: PipelineFile, split: String, workers: Int? = nil, rank: Int = 0,
                            worldSize: Int = 1, cores: Int, limit: Int? = nil, shuffle: Bool? = nil) throws {
        guard let source = file.data[split] else {
            throw LoaderError(message: "\(file.path): no data for split '\(split)'")
        }
        guard let input = source.datasetInput else {
            throw LoaderError(message: "\(file.path): split '\(split)' reads shards, which are not implemented yet")
        }
        let settings = LoaderSettings(batchSize: file.loader.batchSize, shuffle: shuffle ?? file.loader.shuffle, dropLast: file.loader.dropLast,
                                      workers: workers ?? file.loader.workers ?? max(1, cores - 1), prefetch: file.loader.prefetch,
                                      seed: file.seed, rank: rank, worldSize: worldSize)
        let channels = file.color.channels
        var dataset = try Dataset.listing([input])
        if let limit { dataset = dataset.prefix(limit) }
        try self.init(dataset: dataset, chain: try file.chain(split), decode: file.decodeOptions(split: split),
                      settings: settings, inputChannels: channels)
    }
}
