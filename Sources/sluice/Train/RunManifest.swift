import Foundation
import PipelineConfig
import Trainer

/// `run.json` (the pipeline, seed and versions beside the results, STYLE.md "Evidence") and
/// `confusion.json`.
enum RunManifest {
    static func json(pipeline: String, file: PipelineFile, settings: TrainSettings, model: Model, workers: Int, threads: Int) -> String {
        let text = (try? String(contentsOfFile: pipeline, encoding: .utf8)) ?? ""
        let manifest: [String: Any] = [
            "pipeline": pipeline,
            "pipeline_text": text,
            "seed": file.seed,
            "epochs": settings.epochs,
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
