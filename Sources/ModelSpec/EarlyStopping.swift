/// Stops training when the validation loss has not improved by more than `minDelta` for
/// `patience` epochs (Keras' `EarlyStopping(monitor="val_loss")`); the best epoch's weights
/// are the ones kept.
public struct EarlyStopping: Sendable, Equatable {
    public let patience: Int
    public let minDelta: Double
    public private(set) var bestLoss = Double.infinity
    public private(set) var bestEpoch: Int?
    public private(set) var epochsWithoutImprovement = 0

    public init(patience: Int, minDelta: Double = 0) {
        self.patience = patience
        self.minDelta = minDelta
    }

    /// Records one epoch's validation loss; true when it is the best so far.
    public mutating func record(epoch: Int, loss: Double) -> Bool {
        if loss < bestLoss - minDelta {
            bestLoss = loss
            bestEpoch = epoch
            epochsWithoutImprovement = 0
            return true
        }
        epochsWithoutImprovement += 1
        return false
    }

    public var shouldStop: Bool { epochsWithoutImprovement >= patience }

    /// Restores a recorded state (from a checkpoint).
    public mutating func restore(bestLoss: Double, bestEpoch: Int?, epochsWithoutImprovement: Int) {
        self.bestLoss = bestLoss
        self.bestEpoch = bestEpoch
        self.epochsWithoutImprovement = epochsWithoutImprovement
    }
}
