import ModelSpec
import Safetensors

/// Everything needed to continue a run exactly where it stopped: weights, batch-norm state,
/// optimizer moments and step count, epochs done and the early-stopping record, and, for a
/// checkpoint made mid-epoch, where that epoch stands. Epoch order and dropout depend only on
/// (seed, epoch, step), so a resumed run equals an uninterrupted one.
public struct TrainingCheckpoint {
    public var completedEpochs: Int
    public var earlyStopping: EarlyStopping?
    /// The epoch after `completedEpochs` when it was stopped part way.
    public var inProgress: EpochInProgress?

    /// A part-way epoch: the pass's progress and the feeder's state (JSON, opaque here).
    public struct EpochInProgress: Equatable, Sendable {
        public var progress: PassProgress
        public var feederState: String

        public init(progress: PassProgress, feederState: String) {
            self.progress = progress
            self.feederState = feederState
        }
    }

    public init(completedEpochs: Int, earlyStopping: EarlyStopping?, inProgress: EpochInProgress? = nil) {
        self.completedEpochs = completedEpochs
        self.earlyStopping = earlyStopping
        self.inProgress = inProgress
    }

    static let format = "sluice-checkpoint-1"

    private static func parameterNames(_ model: Model) -> [String] {
        model.layers.enumerated().flatMap { position, layer in layer.parameters.map { "\(position).\($0.name)" } }
    }

    /// The checkpoint of `session` as a safetensors file.
    public func encoded(_ session: TrainingSession) -> SafetensorsFile {
        var entries = session.model.weightEntries
        let names = Self.parameterNames(session.model)
        let parameters = session.model.parameters
        for (order, moment) in session.optimizer.moments.enumerated() {
            for (position, values) in moment.enumerated() where !values.isEmpty {
                entries.append(SafetensorsFile.Entry(name: "optimizer.moment\(order + 1).\(names[position])",
                                                     shape: parameters[position].shape, floats: values))
            }
        }
        var metadata = ["format": Self.format, "completed_epochs": "\(completedEpochs)", "optimizer": session.optimizer.settings.name,
                        "optimizer_steps": "\(session.optimizer.steps)"]
        if let inProgress {
            let progress = inProgress.progress
            metadata["epoch_steps"] = "\(progress.steps)"
            metadata["epoch_samples"] = "\(progress.samples)"
            metadata["epoch_loss_sum_bits"] = String(progress.lossSum.bitPattern, radix: 16)   // exact
            metadata["epoch_confusion"] = progress.confusion.counts.map(String.init).joined(separator: ",")
            metadata["feeder_state"] = inProgress.feederState
        }
        if let earlyStopping {
            metadata["best_loss"] = "\(earlyStopping.bestLoss)"
            metadata["best_epoch"] = earlyStopping.bestEpoch.map(String.init) ?? ""
            metadata["epochs_without_improvement"] = "\(earlyStopping.epochsWithoutImprovement)"
        }
        return SafetensorsFile(entries: entries, metadata: metadata)
    }

    /// Loads `file` into `session` and returns its record; `earlyStopping` gives the settings
    /// whose state is restored.
    public static func restore(_ file: SafetensorsFile, into session: TrainingSession,
                               earlyStopping: EarlyStopping?) throws(ModelError) -> TrainingCheckpoint {
        guard file.metadata["format"] == format, let epochs = file.metadata["completed_epochs"].flatMap(Int.init),
              let steps = file.metadata["optimizer_steps"].flatMap(Int.init) else {
            throw ModelError(layer: nil, "not a Sluice checkpoint")
        }
        guard file.metadata["optimizer"] == session.optimizer.settings.name else {
            throw ModelError(layer: nil, "the checkpoint was made with \(file.metadata["optimizer"] ?? "another optimizer"), the file asks for \(session.optimizer.settings.name)")
        }
        try session.model.load(file)
        let names = parameterNames(session.model)
        var moments = session.optimizer.moments
        for order in moments.indices {
            for position in moments[order].indices where !moments[order][position].isEmpty {
                let name = "optimizer.moment\(order + 1).\(names[position])"
                guard let entry = file.entry(name), entry.dtype == .float32, entry.bytes.count == moments[order][position].count * 4 else {
                    throw ModelError(layer: nil, "the checkpoint lacks '\(name)' or it has another shape")
                }
                moments[order][position] = entry.floats
            }
        }
        guard session.optimizer.restore(steps: steps, moments: moments) else { throw ModelError(layer: nil, "optimizer state does not fit") }
        var stopping = earlyStopping
        if let best = file.metadata["best_loss"].flatMap(Double.init), let stale = file.metadata["epochs_without_improvement"].flatMap(Int.init) {
            stopping?.restore(bestLoss: best, bestEpoch: file.metadata["best_epoch"].flatMap(Int.init), epochsWithoutImprovement: stale)
        }
        var inProgress: EpochInProgress?
        if let steps = file.metadata["epoch_steps"].flatMap(Int.init) {
            guard let samples = file.metadata["epoch_samples"].flatMap(Int.init),
                  let bits = file.metadata["epoch_loss_sum_bits"].flatMap({ UInt64($0, radix: 16) }),
                  let counts = file.metadata["epoch_confusion"].map({ $0.split(separator: ",").compactMap { Int($0) } }),
                  let confusion = ConfusionMatrix(classes: session.model.classes, counts: counts),
                  let feeder = file.metadata["feeder_state"] else {
                throw ModelError(layer: nil, "the checkpoint's part-way epoch is incomplete")
            }
            inProgress = EpochInProgress(progress: PassProgress(steps: steps, lossSum: Double(bitPattern: bits), samples: samples, confusion: confusion),
                                         feederState: feeder)
        }
        return TrainingCheckpoint(completedEpochs: epochs, earlyStopping: stopping, inProgress: inProgress)
    }
}
