import TensorCore

/// max(0, x), element-wise.
public final class ReLU: Layer {
    public let kind = "relu"
    public let outputShape: [Int]
    public private(set) var output = Tensor()
    public private(set) var inputGradient = Tensor()

    public init(inputShape: [Int]) {
        outputShape = inputShape
    }

    public func forward(_ input: Tensor, mode: PassMode, rng: inout SampleRNG) {
        output.reshape(input.shape)
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeMutableBufferPointer { y in
                for i in 0..<x.count { y[i] = max(x[i], 0) }
            }
        }
    }

    public func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool) {
        guard needsInputGradient else { return }
        inputGradient.reshape(input.shape)
        input.values.withUnsafeBufferPointer { x in
            outputGradient.values.withUnsafeBufferPointer { dy in
                inputGradient.values.withUnsafeMutableBufferPointer { dx in
                    for i in 0..<x.count { dx[i] = x[i] > 0 ? dy[i] : 0 }
                }
            }
        }
    }
}
