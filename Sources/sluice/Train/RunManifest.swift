import Foundation
import ModelSpec
import PipelineConfig
import Trainer

/// `run.json` (the pipeline, seed and versions beside the results) and
/// `confusion.json`.
enum RunManifest {
    /// What a resumed run must share with the run it continues, so that it ends as one
    /// uninterrupted run would: the pipeline text, seed, sample limits and shards (the epoch
    /// count is checked against the schedule by `TrainingRun.resume`).
    struct Continuity {
        var pipelineText: String
        var seed: UInt64
        var epochs: Int
        var trainSamples: Int?
        var validationSamples: Int?
        var shards: String?

        var fields: [String: Any] {
            ["pipeline_text": pipelineText, "seed": seed, "epochs": epochs, "train_samples": trainSamples ?? NSNull(),
             "val_samples": validationSamples ?? NSNull(), "shards": shards ?? NSNull()]
        }

        /// The settings that differ from `manifest`'s (a run.json), as "--option: was X, now Y".
        func differences(from manifest: [String: Any]) -> [String] {
            func text(_ value: Any?) -> String {
                switch value {
                case nil, is NSNull: "not set"
                case let number as NSNumber: number.stringValue
                case let string as String: string
                case let other?: "\(other)"
                }
            }
            let names = [("seed", "the pipeline's seed"), ("train_samples", "--train-samples"), ("val_samples", "--val-samples"),
                         ("shards", "--shards")]
            var found = names.compactMap { key, name -> String? in
                guard let old = manifest[key] else { return nil }   // a run.json from before the key existed
                return text(old) == text(fields[key]) ? nil : "\(name): was \(text(old)), now \(text(fields[key]))"
            }
            if let old = manifest["pipeline_text"] as? String, old != pipelineText { found.insert("the pipeline file changed", at: 0) }
            return found
        }
    }

    static func json(pipeline: String, settings: TrainSettings, model: Model, workers: Int, threads: Int,
                     continuity: Continuity) -> String {
        var manifest: [String: Any] = [
            "pipeline": pipeline,
            "optimizer": settings.optimizer.name,
            "learning_rate": settings.optimizer.learningRate,
            "validation_split": settings.validationSplit ?? NSNull(),
            "input_shape": model.inputShape,
            "parameters": model.parameterCount,
            "loader_workers": workers,
            "compute_threads": threads,
            "sluice_version": Sluice.configuration.version,
            "blas": (try? BLASLibrary.load()).map { ["kernel": $0.kernel, "requested": $0.requested ?? NSNull(), "requested_by": $0.requestedBy.rawValue, "configuration": $0.configuration, "path": $0.path] as [String: Any] } ?? NSNull(),
            "machine": ["cpu": SystemInfo.cpuModel, "cores": SystemInfo.coreCount],
            "started": ISO8601DateFormatter().string(from: Date()),
        ]
        manifest.merge(continuity.fields) { _, new in new }
        return encode(manifest)
    }

    static func confusionJSON(_ confusion: ConfusionMatrix, classNames: [String]) -> String {
        encode(["classes": classNames, "rows_are": "true class", "columns_are": "predicted class",
                "counts": confusion.rows, "accuracy": confusion.accuracy])
    }

    private static func encode(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
