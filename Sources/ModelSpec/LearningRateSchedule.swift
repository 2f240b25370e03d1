import Glibc

/// How the learning rate changes from epoch to epoch (set before each epoch's first step).
public enum LearningRateSchedule: Sendable, Equatable, CustomStringConvertible {
    case constant
    /// PyTorch `StepLR`: multiplied by `gamma` every `stepSize` epochs.
    case step(stepSize: Int, gamma: Double)
    /// PyTorch `CosineAnnealingLR` with T_max = the run's epochs: from the base rate down to
    /// `minimum` along half a cosine.
    case cosine(minimum: Double)

    public var description: String {
        switch self {
        case .constant: "constant"
        case let .step(stepSize, gamma): "step (x\(gamma) every \(stepSize) epochs)"
        case let .cosine(minimum): minimum == 0 ? "cosine" : "cosine down to \(minimum)"
        }
    }

    /// The rate for epoch `epoch` (0-based) of `epochs`.
    public func rate(base: Double, epoch: Int, epochs: Int) -> Double {
        switch self {
        case .constant: base
        case let .step(stepSize, gamma): base * pow(gamma, Double(epoch / stepSize))
        case let .cosine(minimum):
            epochs <= 1 ? base : minimum + (base - minimum) * (1 + cos(Double.pi * Double(epoch) / Double(epochs))) / 2
        }
    }
}
