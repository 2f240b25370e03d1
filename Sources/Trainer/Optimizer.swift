import Glibc
import ModelSpec

/// Applies one optimizer's update to a model's parameters, keeping its moment buffers.
/// The update rules are PyTorch's (`torch.optim.SGD`, `Adam`, `RMSprop`; weight decay is L2
/// added to the gradient).
public final class Optimizer {
    public let settings: OptimizerSettings
    /// The rate of the next step; a schedule sets it each epoch.
    public var learningRate: Double
    /// Steps taken so far (Adam's bias correction counts them).
    public private(set) var steps = 0
    /// Per parameter: the first and second moment buffers (empty when the rule has none).
    private var first: [[Float]]
    private var second: [[Float]]

    public init(_ settings: OptimizerSettings, parameters: [Parameter]) {
        self.settings = settings
        learningRate = settings.learningRate
        first = parameters.map { Array(repeating: 0, count: settings.momentBuffers >= 1 ? $0.count : 0) }
        second = parameters.map { Array(repeating: 0, count: settings.momentBuffers >= 2 ? $0.count : 0) }
    }

    public func step(_ parameters: [Parameter]) {
        precondition(parameters.count == first.count, "the optimizer was made for another parameter list")
        steps += 1
        for (position, parameter) in parameters.enumerated() {
            parameter.value.withUnsafeMutableBufferPointer { w in
                parameter.gradient.withUnsafeBufferPointer { g in
                    first[position].withUnsafeMutableBufferPointer { m in
                        second[position].withUnsafeMutableBufferPointer { v in
                            let buffers = Buffers(weight: w.baseAddress!, gradient: g.baseAddress!, first: m.baseAddress, second: v.baseAddress)
                            ComputeThreads.forEachChunk(w.count, minimumChunk: 1 << 15) { range in update(buffers, range) }
                        }
                    }
                }
            }
        }
    }

    /// One parameter's storage; the moment buffers are absent when the rule keeps none.
    private struct Buffers {
        let weight: UnsafeMutablePointer<Float>
        let gradient: UnsafePointer<Float>
        let first: UnsafeMutablePointer<Float>?
        let second: UnsafeMutablePointer<Float>?
    }

    private func update(_ buffers: Buffers, _ range: Range<Int>) {
        let (w, g) = (buffers.weight, buffers.gradient)
        let rate = Float(learningRate)
        switch settings {
        case let .sgd(_, momentum, nesterov, weightDecay):
            let decay = Float(weightDecay), mu = Float(momentum)
            guard momentum > 0, let buffer = buffers.first else {
                for i in range { w[i] -= rate * (g[i] + decay * w[i]) }
                return
            }
            let firstStep = steps == 1
            for i in range {
                let gradient = g[i] + decay * w[i]
                buffer[i] = firstStep ? gradient : mu * buffer[i] + gradient
                w[i] -= rate * (nesterov ? gradient + mu * buffer[i] : buffer[i])
            }
        case let .adam(_, beta1, beta2, epsilon, weightDecay):
            let (m, v) = (buffers.first!, buffers.second!)
            let b1 = Float(beta1), b2 = Float(beta2), decay = Float(weightDecay), eps = Float(epsilon)
            let correction1 = Float(1 - pow(beta1, Double(steps)))
            let correction2Root = Float((1 - pow(beta2, Double(steps))).squareRoot())
            let stepSize = rate / correction1
            for i in range {
                let gradient = g[i] + decay * w[i]
                m[i] = b1 * m[i] + (1 - b1) * gradient
                v[i] = b2 * v[i] + (1 - b2) * gradient * gradient
                w[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2Root + eps)
            }
        case let .rmsprop(_, rho, epsilon, momentum, weightDecay):
            let v = buffers.first!
            let r = Float(rho), decay = Float(weightDecay), eps = Float(epsilon), mu = Float(momentum)
            guard momentum > 0, let buffer = buffers.second else {
                for i in range {
                    let gradient = g[i] + decay * w[i]
                    v[i] = r * v[i] + (1 - r) * gradient * gradient
                    w[i] -= rate * gradient / (v[i].squareRoot() + eps)
                }
                return
            }
            for i in range {
                let gradient = g[i] + decay * w[i]
                v[i] = r * v[i] + (1 - r) * gradient * gradient
                buffer[i] = mu * buffer[i] + gradient / (v[i].squareRoot() + eps)
                w[i] -= rate * buffer[i]
            }
        }
    }

    /// The moment buffers of every parameter, for checkpoints: `moments[k][parameter]`.
    public var moments: [[[Float]]] { [first, second] }

    /// Restores a checkpoint's step count and `moments`; false when they do not fit.
    public func restore(steps: Int, moments: [[[Float]]]) -> Bool {
        guard moments.count == 2, moments[0].map(\.count) == first.map(\.count), moments[1].map(\.count) == second.map(\.count) else {
            return false
        }
        self.steps = steps
        first = moments[0]
        second = moments[1]
        return true
    }
}
