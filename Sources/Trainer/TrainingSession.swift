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

    public var imagesPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
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

    /// One pass of forward, backward and optimizer step per batch. Dropout draws come from
    /// (seed, epoch, step), so a rerun or a resumed run gives the same weights.
    /// `progress` is called after each batch with the samples done and the running mean loss.
    public func train<Batches: Sequence>(_ batches: Batches, epoch: Int,
                                         progress: (_ samples: Int, _ meanLoss: Double) -> Void = { _, _ in })
        throws(TrainingError) -> PassMetrics where Batches.Element == Batch {
        try pass(batches, mode: .training, epoch: epoch, progress: progress)
    }

    /// Loss, accuracy and confusion matrix without changing the model (evaluation mode).
    public func evaluate<Batches: Sequence>(_ batches: Batches) throws(TrainingError) -> PassMetrics where Batches.Element == Batch {
        try pass(batches, mode: .evaluation, epoch: 0) { _, _ in }
    }

    private func pass<Batches: Sequence>(_ batches: Batches, mode: PassMode, epoch: Int,
                                         progress: (Int, Double) -> Void) throws(TrainingError) -> PassMetrics
        where Batches.Element == Batch {
        let start = DispatchTime.now().uptimeNanoseconds
        let classes = model.classes
        var confusion = ConfusionMatrix(classes: classes)
        var totalLoss: Double = 0
        var samples = 0
        let parameters = model.parameters
        for (step, batch) in batches.enumerated() {
            guard Array(batch.images.shape.dropFirst()) == model.inputShape else {
                throw TrainingError("batches are \(batch.images.shape.dropFirst()) per sample; the model takes \(model.inputShape)")
            }
            if let bad = batch.labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
                let label = batch.labels[bad]
                throw TrainingError(label < 0
                    ? "sample \(batch.indices[bad]) has no label: training needs labelled data"
                    : "sample \(batch.indices[bad]) has label \(label), but the model scores \(classes) classes")
            }
            var rng = TrainingRandomness.step(seed: seed, epoch: epoch, step: step)
            let logits = model.forward(batch.images, mode: mode, rng: &rng)
            let batchLoss = loss.evaluate(logits: logits, labels: batch.labels, computeGradient: mode == .training)
            if mode == .training {
                model.backward(batch.images, logitsGradient: loss.gradient)
                optimizer.step(parameters)
            }
            for (label, prediction) in zip(batch.labels, loss.predictions) { confusion.add(truth: Int(label), prediction: prediction) }
            totalLoss += batchLoss * Double(batch.count)
            samples += batch.count
            progress(samples, totalLoss / Double(samples))
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return PassMetrics(loss: samples > 0 ? totalLoss / Double(samples) : .nan, accuracy: confusion.accuracy,
                           samples: samples, seconds: seconds, confusion: confusion)
    }
}
