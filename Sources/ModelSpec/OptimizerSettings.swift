/// An optimizer and its hyper-parameters. Defaults are Keras' for RMSprop and
/// Adam (the course notes train with Keras), PyTorch's for SGD; the update rules are PyTorch's.
public enum OptimizerSettings: Sendable, Equatable {
    case sgd(learningRate: Double = 0.01, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0)
    case adam(learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7, weightDecay: Double = 0)
    case rmsprop(learningRate: Double = 0.001, rho: Double = 0.9, epsilon: Double = 1e-7, momentum: Double = 0, weightDecay: Double = 0)

    public var name: String {
        switch self {
        case .sgd: "sgd"
        case .adam: "adam"
        case .rmsprop: "rmsprop"
        }
    }

    public var learningRate: Double {
        switch self {
        case .sgd(let rate, _, _, _), .adam(let rate, _, _, _, _), .rmsprop(let rate, _, _, _, _): rate
        }
    }

    /// Moment buffers kept per parameter.
    public var momentBuffers: Int {
        switch self {
        case .sgd(_, let momentum, _, _): momentum > 0 ? 1 : 0
        case .adam: 2
        case .rmsprop(_, _, _, let momentum, _): momentum > 0 ? 2 : 1
        }
    }
}
