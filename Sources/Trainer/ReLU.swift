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
                let (source, destination) = (x.baseAddress!, y.baseAddress!)
                ComputeThreads.forEachChunk(x.count, minimumChunk: 1 << 16) { range in
                    for i in range { destination[i] = max(source[i], 0) }
                }
            }
        }
    }

    public func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool) {
        guard needsInputGradient else { return }
        inputGradient.reshape(input.shape)
        input.values.withUnsafeBufferPointer { x in
            outputGradient.values.withUnsafeBufferPointer { dy in
                inputGradient.values.withUnsafeMutableBufferPointer { dx in
                    let (input, gradient, destination) = (x.baseAddress!, dy.baseAddress!, dx.baseAddress!)
                    ComputeThreads.forEachChunk(x.count, minimumChunk: 1 << 16) { range in
                        for i in range { destination[i] = input[i] > 0 ? gradient[i] : 0 }
                    }
                }
            }
        }
    }
}
