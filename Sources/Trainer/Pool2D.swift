import TensorCore

/// Max or average pooling over `size` x `size` windows, `stride` apart, no padding, output
/// size floor((H - size) / stride) + 1 (PyTorch's `MaxPool2d`/`AvgPool2d`, Keras' "valid").
public final class Pool2D: Layer {
    public enum Reduction: String, Sendable {
        case max
        case average
    }

    public let reduction: Reduction
    public let size: Int
    public let stride: Int
    let channels: Int, height: Int, width: Int
    let outputHeight: Int, outputWidth: Int
    public private(set) var output = Tensor()
    public private(set) var inputGradient = Tensor()
    /// For max pooling: the flat input offset (within its plane) of each output's maximum.
    private var argmax: [Int32] = []

    public init(inputShape: [Int], reduction: Reduction, size: Int, stride: Int? = nil) throws(ModelError) {
        let name = reduction == .max ? "max_pool" : "avg_pool"
        guard inputShape.count == 3 else { throw ModelError(layer: nil, "\(name) needs an image input [C, H, W], got \(inputShape)") }
        let stride = stride ?? size
        guard size >= 1, stride >= 1 else { throw ModelError(layer: nil, "\(name): size and stride must be at least 1") }
        guard inputShape[1] >= size, inputShape[2] >= size else {
            throw ModelError(layer: nil, "\(name): a \(size)x\(size) window does not fit a \(inputShape[1])x\(inputShape[2]) input")
        }
        self.reduction = reduction
        self.size = size
        self.stride = stride
        (channels, height, width) = (inputShape[0], inputShape[1], inputShape[2])
        outputHeight = (height - size) / stride + 1
        outputWidth = (width - size) / stride + 1
    }

    public var kind: String { reduction == .max ? "max_pool" : "avg_pool" }
    public var outputShape: [Int] { [channels, outputHeight, outputWidth] }
    public var window: SpatialWindow? { SpatialWindow(kernel: size, stride: stride) }
    public var settingsDescription: String { "\(size)x\(size)" + (stride == size ? "" : ", stride \(stride)") }

    public func forward(_ input: Tensor, mode: PassMode, rng: inout SampleRNG) {
        let batch = input.shape[0]
        let planes = batch * channels
        output.reshape([batch, channels, outputHeight, outputWidth])
        if reduction == .max { argmax.resize(to: output.count) }
        let inputPlane = height * width, outputPlane = outputHeight * outputWidth
        let scale = 1 / Float(size * size)
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeMutableBufferPointer { y in
                argmax.withUnsafeMutableBufferPointer { best in
                    for plane in 0..<planes {
                        let source = x.baseAddress! + plane &* inputPlane
                        let destination = plane &* outputPlane
                        for oy in 0..<outputHeight {
                            for ox in 0..<outputWidth {
                                let top = oy &* stride, left = ox &* stride
                                let out = destination &+ oy &* outputWidth &+ ox
                                if reduction == .max {
                                    var bestOffset = top &* width &+ left
                                    var bestValue = source[bestOffset]
                                    for i in 0..<size {
                                        for j in 0..<size {
                                            let offset = (top &+ i) &* width &+ left &+ j
                                            // NaN propagates, as in PyTorch
                                            if source[offset] > bestValue || source[offset].isNaN { bestValue = source[offset]; bestOffset = offset }
                                        }
                                    }
                                    y[out] = bestValue
                                    best[out] = Int32(bestOffset)
                                } else {
                                    var sum: Float = 0
                                    for i in 0..<size {
                                        for j in 0..<size { sum += source[(top &+ i) &* width &+ left &+ j] }
                                    }
                                    y[out] = sum * scale
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool) {
        guard needsInputGradient else { return }
        let planes = input.shape[0] * channels
        inputGradient.reshape(input.shape)
        let inputPlane = height * width, outputPlane = outputHeight * outputWidth
        let scale = 1 / Float(size * size)
        outputGradient.values.withUnsafeBufferPointer { dy in
            argmax.withUnsafeBufferPointer { best in
                inputGradient.values.withUnsafeMutableBufferPointer { dx in
                    dx.update(repeating: 0)
                    for plane in 0..<planes {
                        let target = dx.baseAddress! + plane &* inputPlane
                        let source = plane &* outputPlane
                        for oy in 0..<outputHeight {
                            for ox in 0..<outputWidth {
                                let out = source &+ oy &* outputWidth &+ ox
                                if reduction == .max {
                                    target[Int(best[out])] += dy[out]
                                } else {
                                    let share = dy[out] * scale
                                    let top = oy &* stride, left = ox &* stride
                                    for i in 0..<size {
                                        for j in 0..<size { target[(top &+ i) &* width &+ left &+ j] += share }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
