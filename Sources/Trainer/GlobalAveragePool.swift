import ModelSpec
import TensorCore

/// [N, C, H, W] -> [N, C], the mean of each channel plane.
public final class GlobalAveragePool: Layer {
    public let kind = "global_avg_pool"
    let channels: Int, planeSize: Int
    public private(set) var output = Tensor()
    public private(set) var inputGradient = Tensor()

    public init(inputShape: [Int]) throws(ModelError) {
        _ = try LayerSpec.globalAvgPool.outputShape(for: inputShape)
        channels = inputShape[0]
        planeSize = inputShape[1] * inputShape[2]
    }

    public var outputShape: [Int] { [channels] }

    public func forward(_ input: Tensor, mode: PassMode, rng: inout SampleRNG) {
        let planes = input.shape[0] * channels
        output.reshape([input.shape[0], channels])
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeMutableBufferPointer { y in
                for plane in 0..<planes {
                    var sum: Float = 0
                    let source = x.baseAddress! + plane * planeSize
                    for i in 0..<planeSize { sum += source[i] }
                    y[plane] = sum / Float(planeSize)
                }
            }
        }
    }

    public func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool) {
        guard needsInputGradient else { return }
        let planes = input.shape[0] * channels
        inputGradient.reshape(input.shape)
        outputGradient.values.withUnsafeBufferPointer { dy in
            inputGradient.values.withUnsafeMutableBufferPointer { dx in
                for plane in 0..<planes {
                    (dx.baseAddress! + plane * planeSize).update(repeating: dy[plane] / Float(planeSize), count: planeSize)
                }
            }
        }
    }
}
