import CSluiceABI
import DataPipeline
import Foundation
import PipelineConfig
import TensorCore

/// A loader opened through the C ABI: the feeder of one split, and what its epochs report.
final class LoaderHandle: Sendable {
    let loader: BatchLoader
    let split: String
    let classNames: [String]?
    let failOnError: Bool

    init(pipelinePath: String?, pipelineText: String?, options: sluice_loader_options) throws {
        let file = try PipelineText.load(path: pipelinePath, text: pipelineText)
        let split = try ABI.string(options.split, "options.split")
        let source = options.source.map { String(cString: $0) }
        guard file.data[split] != nil || options.shards != nil || source != nil else {
            let available = file.data.keys.sorted().joined(separator: ", ")
            throw ABIFailure.argument("\(file.path): no data for split '\(split)' (it has: \(available.isEmpty ? "none" : available))")
        }
        guard options.world_size >= 1, options.rank >= 0, options.rank < options.world_size else {
            throw ABIFailure.argument("rank \(options.rank) is not in 0..<\(options.world_size) (world size \(options.world_size))")
        }
        guard options.workers >= 0, options.prefetch >= 0, options.limit >= 0, (-1...1).contains(options.shuffle),
              [SLUICE_ON_ERROR_SKIP, SLUICE_ON_ERROR_FAIL].contains(Int(options.on_error)) else {
            throw ABIFailure.argument("workers, prefetch and limit must not be negative, shuffle is -1, 0 or 1, on_error SKIP or FAIL")
        }
        loader = try BatchLoader(
            pipeline: file, split: split, workers: options.workers > 0 ? Int(options.workers) : nil,
            rank: Int(options.rank), worldSize: Int(options.world_size), cores: ProcessInfo.processInfo.activeProcessorCount,
            limit: options.limit > 0 ? Int(options.limit) : nil, shuffle: options.shuffle < 0 ? nil : options.shuffle == 1,
            prefetch: options.prefetch > 0 ? Int(options.prefetch) : nil,
            shards: options.shards.map { String(cString: $0) }, input: source.map { .path($0) }, allowsPixels: true)
        self.split = split
        classNames = file.classNames ?? loader.dataset.classes
        failOnError = Int(options.on_error) == SLUICE_ON_ERROR_FAIL
    }

    /// This rank's samples per epoch, from the partition's arithmetic (no epoch order is drawn).
    var samples: Int {
        let settings = loader.settings
        return Partition(rank: settings.rank, worldSize: settings.worldSize, dropLast: settings.dropLast).samplesPerRank(loader.dataset.count)
    }

    var batches: Int {
        let size = loader.settings.batchSize
        return loader.settings.dropLast ? samples / size : (samples + size - 1) / size
    }
}
