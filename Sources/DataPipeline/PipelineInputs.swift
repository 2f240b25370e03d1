import DatasetSources
import Foundation
import ImageCodecs
import PipelineConfig

/// Paths to measure or list, with pipeline files replaced by their split's source.
public enum PipelineInputs {
    public static let extensions: Set<String> = ["yaml", "yml", "json"]

    /// The dataset inputs, and the decode colour and class names of the (last) pipeline file
    /// given, if any.
    public static func resolve(_ paths: [String], split: String) throws(LoaderError) -> (inputs: [Dataset.Input], color: ColorMode?, classNames: [String]?) {
        var inputs: [Dataset.Input] = []
        var color: ColorMode?
        var classNames: [String]?
        for path in paths {
            guard extensions.contains((path as NSString).pathExtension.lowercased()) else {
                inputs.append(.path(path))
                continue
            }
            let file: PipelineFile
            do { file = try PipelineFile.load(path) } catch { throw LoaderError(message: error.description) }
            guard let source = file.data[split] else {
                let available = file.data.keys.sorted().joined(separator: ", ")
                throw LoaderError(message: "\(path): no data for split '\(split)' (it has: \(available.isEmpty ? "none" : available)); use --split")
            }
            color = file.color
            classNames = file.classNames ?? classNames
            guard let input = source.datasetInput else {
                throw LoaderError(message: "\(path): split '\(split)' reads shards, whose index.json already holds the exact mean and std of the stored images (sluice shard verify checks them); measure the source the shards were made from")
            }
            inputs.append(input)
        }
        return (inputs, color, classNames)
    }

    /// The dataset of a pipeline file's split.
    public static func dataset(_ pipeline: String, split: String) throws(LoaderError) -> Dataset {
        let inputs = try resolve([pipeline], split: split).inputs
        do { return try Dataset.listing(inputs) } catch { throw LoaderError(message: error.description) }
    }
}
