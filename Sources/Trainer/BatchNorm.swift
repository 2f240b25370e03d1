import Glibc
import ModelSpec
import TensorCore

/// Batch normalization per channel ([N, C, H, W]) or per feature ([N, F]), PyTorch's
/// `BatchNorm2d`/`BatchNorm1d`: training normalizes with the batch's mean and biased variance and
/// moves the running statistics by `momentum` (the variance unbiased); evaluation uses them.
public final class BatchNorm: Layer {
    public let kind = "batch_norm"
    public let outputShape: [Int]
    public let momentum: Float
    public let epsilon: Float
    let channels: Int, planeSize: Int
    public let scale: Parameter        // gamma, "weight"
    public let shift: Parameter        // beta, "bias"
    public let runningMean: Parameter
    public let runningVariance: Parameter
    public private(set) var output = Tensor()
    public private(set) var inputGradient = Tensor()
    /// The normalized input of the last pass, and 1 / sqrt(variance + epsilon) per channel.
    private var normalized: [Float] = []
    private var inverseStd: [Float] = []
    private var lastMode = PassMode.evaluation

    public init(inputShape: [Int], momentum: Double = 0.1, epsilon: Double = 1e-5) throws(ModelError) {
        _ = try LayerSpec.batchNorm(momentum: momentum, epsilon: epsilon).outputShape(for: inputShape)
        outputShape = inputShape
        self.momentum = Float(momentum)
        self.epsilon = Float(epsilon)
        channels = inputShape[0]
        planeSize = inputShape.count == 3 ? inputShape[1] * inputShape[2] : 1
        scale = Parameter(name: "weight", shape: [channels], value: Array(repeating: 1, count: channels))
        shift = Parameter(name: "bias", shape: [channels], value: Array(repeating: 0, count: channels))
        runningMean = Parameter(name: "running_mean", shape: [channels], value: Array(repeating: 0, count: channels))
        runningVariance = Parameter(name: "running_var", shape: [channels], value: Array(repeating: 1, count: channels))
    }

    public var parameters: [Parameter] { [scale, shift] }
    public var buffers: [Parameter] { [runningMean, runningVariance] }

    public func forward(_ input: Tensor, mode: PassMode, rng: inout SampleRNG) {
        lastMode = mode
        let batch = input.shape[0]
        let count = batch * planeSize
        output.reshape(input.shape)
        normalized.resize(to: input.count)
        inverseStd.resize(to: channels)
        input.values.withUnsafeBufferPointer { x in
            for c in 0..<channels {
                var mean: Float, variance: Float
                if mode == .training {
                    var sum: Double = 0, squares: Double = 0
                    for n in 0..<batch {
                        sum += Double(VectorMath.sum(x.baseAddress! + (n * channels + c) * planeSize, count: planeSize))
                    }
                    mean = Float(sum / Double(count))
                    for n in 0..<batch {
                        squares += Double(VectorMath.squaredDeviations(x.baseAddress! + (n * channels + c) * planeSize, count: planeSize, mean: mean))
                    }
                    variance = Float(squares / Double(count))
                    let unbiased = count > 1 ? Float(squares / Double(count - 1)) : variance
                    runningMean.value[c] = (1 - momentum) * runningMean.value[c] + momentum * mean
                    runningVariance.value[c] = (1 - momentum) * runningVariance.value[c] + momentum * unbiased
                } else {
                    mean = runningMean.value[c]
                    variance = runningVariance.value[c]
                }
                let inverse = 1 / (variance + epsilon).squareRoot()
                inverseStd[c] = inverse
                let gamma = scale.value[c], beta = shift.value[c]
                normalized.withUnsafeMutableBufferPointer { xhat in
                    output.values.withUnsafeMutableBufferPointer { y in
                        for n in 0..<batch {
                            let offset = (n * channels + c) * planeSize
                            for i in offset..<(offset + planeSize) {
                                let value = (x[i] - mean) * inverse
                                xhat[i] = value
                                y[i] = value * gamma + beta
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool) {
        let batch = input.shape[0]
        let count = Float(batch * planeSize)
        if needsInputGradient { inputGradient.reshape(input.shape) }
        outputGradient.values.withUnsafeBufferPointer { dy in
            normalized.withUnsafeBufferPointer { xhat in
                inputGradient.values.withUnsafeMutableBufferPointer { dx in
                    for c in 0..<channels {
                        var sumGradient: Float = 0, sumProduct: Float = 0
                        for n in 0..<batch {
                            let offset = (n * channels + c) * planeSize
                            let (planeSum, planeDot) = VectorMath.sumAndDot(dy.baseAddress! + offset, xhat.baseAddress! + offset, count: planeSize)
                            sumGradient += planeSum
                            sumProduct += planeDot
                        }
                        scale.gradient[c] = sumProduct
                        shift.gradient[c] = sumGradient
                        guard needsInputGradient else { continue }
                        let factor = scale.value[c] * inverseStd[c]
                        for n in 0..<batch {
                            let offset = (n * channels + c) * planeSize
                            for i in offset..<(offset + planeSize) {
                                dx[i] = lastMode == .training
                                    ? factor / count * (count * dy[i] - sumGradient - xhat[i] * sumProduct)
                                    : factor * dy[i]
                            }
                        }
                    }
                }
            }
        }
    }
}
