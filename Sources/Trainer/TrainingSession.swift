import Foundation
import ModelSpec
import TensorCore

/// Why a batch cannot be trained on.
public struct TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Loss, accuracy and counts over a pass.
public struct PassMetrics: Sendable, Equatable {
    public var loss: Double
    public var accuracy: Double
    public var samples: Int
    public var seconds: Double
    public var confusion: ConfusionMatrix
    /// The pass was stopped before its batches ran out (`TrainingSession.StepDecision.stop`).
    public var stopped = false

    public var imagesPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
}

/// Where a training pass stands after some steps: what a mid-epoch checkpoint keeps so that the
/// resumed pass ends with the loss and accuracy of an uninterrupted one.
public struct PassProgress: Sendable, Equatable {
    public var steps: Int
    /// Sum over the samples so far of their loss (the batch mean times the batch size).
    public var lossSum: Double
    public var samples: Int
    public var confusion: ConfusionMatrix

    public init(steps: Int = 0, lossSum: Double = 0, samples: Int = 0, confusion: ConfusionMatrix) {
        self.steps = steps
        self.lossSum = lossSum
        self.samples = samples
        self.confusion = confusion
    }
}

/// A model with its optimizer: training passes and evaluation passes over batches from any
/// source (the data pipeline, shards, tensors made in a test).
public final class TrainingSession {
    public let model: Model
    public let optimizer: Optimizer
    public let seed: UInt64
    private var loss = SoftmaxCrossEntropy()

    public init(model: Model, optimizer: OptimizerSettings, seed: UInt64) {
        self.model = model
        self.optimizer = Optimizer(optimizer, parameters: model.parameters)
        self.seed = seed
    }

    /// What the pass does after a step: go on, or stop there (to checkpoint and exit).
    public enum StepDecision: Sendable {
        case proceed, stop
    }

    /// One pass of forward, backward and optimizer step per batch. Dropout draws come from
    /// (seed, epoch, step), so a rerun or a resumed run gives the same weights.
    /// `progress` is called after each batch with the samples done and the running mean loss.
    public func train<Batches: Sequence>(_ batches: Batches, epoch: Int,
                                         progress: (_ samples: Int, _ meanLoss: Double) -> Void = { _, _ in })
        throws(TrainingError) -> PassMetrics where Batches.Element == Batch {
        try pass(batches, mode: .training, epoch: epoch, from: nil) { progress($0.samples, $0.lossSum / Double($0.samples)); return .proceed }
    }

    /// The same, going on from `resumed` (the steps a checkpoint saved; `batches` are the rest
    /// of the epoch), with `afterStep` told where the pass stands after each step: it may save
    /// a checkpoint, and stop the pass.
    public func train<Batches: Sequence>(_ batches: Batches, epoch: Int, from resumed: PassProgress?,
                                         afterStep: (PassProgress) -> StepDecision) throws(TrainingError) -> PassMetrics
        where Batches.Element == Batch {
        try pass(batches, mode: .training, epoch: epoch, from: resumed, afterStep: afterStep)
    }

    /// Loss, accuracy and confusion matrix without changing the model (evaluation mode).
    public func evaluate<Batches: Sequence>(_ batches: Batches) throws(TrainingError) -> PassMetrics where Batches.Element == Batch {
        try pass(batches, mode: .evaluation, epoch: 0, from: nil) { _ in .proceed }
    }

    private func pass<Batches: Sequence>(_ batches: Batches, mode: PassMode, epoch: Int, from resumed: PassProgress?,
                                         afterStep: (PassProgress) -> StepDecision) throws(TrainingError) -> PassMetrics
        where Batches.Element == Batch {
        let start = DispatchTime.now().uptimeNanoseconds
        let classes = model.classes
        var progress = resumed ?? PassProgress(confusion: ConfusionMatrix(classes: classes))
        guard progress.confusion.classes == classes else { throw TrainingError("the saved pass counts \(progress.confusion.classes) classes; the model scores \(classes)") }
        var samplesHere = 0, stopped = false
        let parameters = model.parameters
        for batch in batches {
            let step = progress.steps
            guard Array(batch.images.shape.dropFirst()) == model.inputShape else {
                throw TrainingError("batches are \(batch.images.shape.dropFirst()) per sample; the model takes \(model.inputShape)")
            }
            if let bad = batch.labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
                let label = batch.labels[bad]
                throw TrainingError(label < 0
                    ? "sample \(batch.indices[bad]) has no label: training needs labelled data"
                    : "sample \(batch.indices[bad]) has label \(label), but the model scores \(classes) classes")
            }
            if let targets = batch.targets, targets.shape != [batch.count, classes] {
                throw TrainingError("soft targets are \(targets.shape.dropFirst()) per sample (num_classes of mixup/cutmix); the model scores \(classes) classes")
            }
            var rng = TrainingRandomness.step(seed: seed, epoch: epoch, step: step)
            let logits = model.forward(batch.images, mode: mode, rng: &rng)
            let batchLoss = loss.evaluate(logits: logits, labels: batch.labels, targets: batch.targets, computeGradient: mode == .training)
            if mode == .training {
                model.backward(batch.images, logitsGradient: loss.gradient)
                optimizer.step(parameters)
            }
            for (label, prediction) in zip(batch.labels, loss.predictions) { progress.confusion.add(truth: Int(label), prediction: prediction) }
            progress.lossSum += batchLoss * Double(batch.count)
            progress.samples += batch.count
            progress.steps += 1
            samplesHere += batch.count
            if afterStep(progress) == .stop {
                stopped = true
                break
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // The images/s of this process's steps; loss and accuracy of the whole pass.
        var metrics = PassMetrics(loss: progress.samples > 0 ? progress.lossSum / Double(progress.samples) : .nan,
                                  accuracy: progress.confusion.accuracy, samples: samplesHere, seconds: seconds, confusion: progress.confusion)
        metrics.stopped = stopped
        return metrics
    }
}
