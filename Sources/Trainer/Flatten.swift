import TensorCore

/// [N, C, H, W] -> [N, C * H * W], in C order (PyTorch's `Flatten`, so dense weights that follow
/// match PyTorch's; Keras flattens HWC).
public final class Flatten: Layer {
    public let kind = "flatten"
    public let outputShape: [Int]
    public private(set) var output = Tensor()
    public private(set) var inputGradient = Tensor()

    public init(inputShape: [Int]) {
        outputShape = [inputShape.reduce(1, *)]
    }

    public func forward(_ input: Tensor, mode: PassMode, rng: inout SampleRNG) {
        output.reshape([input.shape[0], outputShape[0]])
        output.values.withUnsafeMutableBufferPointer { y in _ = y.update(from: input.values) }
    }

    public func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool) {
        guard needsInputGradient else { return }
        inputGradient.reshape(input.shape)
        inputGradient.values.withUnsafeMutableBufferPointer { dx in _ = dx.update(from: outputGradient.values) }
    }
}
