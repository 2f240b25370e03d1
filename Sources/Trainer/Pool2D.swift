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
        argmax.resize(to: reduction == .max ? output.count : 0)
        let (size, stride, width, outputHeight, outputWidth) = (self.size, self.stride, self.width, self.outputHeight, self.outputWidth)
        let inputPlane = height * width, outputPlane = outputHeight * outputWidth
        let isMax = reduction == .max
        let scale = 1 / Float(size * size)
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeMutableBufferPointer { y in
                argmax.withUnsafeMutableBufferPointer { best in
                    for plane in 0..<planes {
                        let source = x.baseAddress! + plane &* inputPlane
                        let out = y.baseAddress! + plane &* outputPlane
                        let bestOut = best.baseAddress.map { $0 + plane &* outputPlane }
                        if isMax, size == 2, stride == 2 {
                            Self.maxPool2x2(source, width: width, outputHeight: outputHeight, outputWidth: outputWidth, out, bestOut!)
                            continue
                        }
                        for oy in 0..<outputHeight {
                            let top = oy &* stride
                            for ox in 0..<outputWidth {
                                let corner = top &* width &+ ox &* stride
                                let index = oy &* outputWidth &+ ox
                                if isMax {
                                    var bestOffset = corner
                                    var bestValue = source[corner]
                                    for i in 0..<size {
                                        let row = corner &+ i &* width
                                        for j in 0..<size {
                                            let value = source[row &+ j]
                                            // `!(value <= best)` also takes NaN, which propagates as in PyTorch.
                                            if !(value <= bestValue) { bestValue = value; bestOffset = row &+ j }
                                        }
                                    }
                                    out[index] = bestValue
                                    bestOut![index] = Int32(truncatingIfNeeded: bestOffset)
                                } else {
                                    var sum: Float = 0
                                    for i in 0..<size {
                                        let row = corner &+ i &* width
                                        for j in 0..<size { sum += source[row &+ j] }
                                    }
                                    out[index] = sum * scale
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The common 2x2, stride 2 case without inner loops. Ties go to the first in row-major
    /// order, as in PyTorch.
    @inline(__always)
    private static func maxPool2x2(_ source: UnsafePointer<Float>, width: Int, outputHeight: Int, outputWidth: Int,
                                   _ out: UnsafeMutablePointer<Float>, _ best: UnsafeMutablePointer<Int32>) {
        for oy in 0..<outputHeight {
            let top = source + 2 &* oy &* width, bottom = top + width
            let rowOffset = 2 &* oy &* width
            for ox in 0..<outputWidth {
                let column = 2 &* ox
                var value = top[column], offset = 0
                let right = top[column &+ 1], below = bottom[column], diagonal = bottom[column &+ 1]
                if !(right <= value) { value = right; offset = 1 }
                if !(below <= value) { value = below; offset = width }
                if !(diagonal <= value) { value = diagonal; offset = width &+ 1 }
                let index = oy &* outputWidth &+ ox
                out[index] = value
                best[index] = Int32(truncatingIfNeeded: rowOffset &+ column &+ offset)
            }
        }
    }

    public func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool) {
        guard needsInputGradient else { return }
        let planes = input.shape[0] * channels
        inputGradient.reshape(input.shape)
        let (size, stride, width, outputHeight, outputWidth) = (self.size, self.stride, self.width, self.outputHeight, self.outputWidth)
        let inputPlane = height * width, outputPlane = outputHeight * outputWidth
        let isMax = reduction == .max
        let scale = 1 / Float(size * size)
        outputGradient.values.withUnsafeBufferPointer { dy in
            argmax.withUnsafeBufferPointer { best in
                inputGradient.values.withUnsafeMutableBufferPointer { dx in
                    dx.update(repeating: 0)
                    for plane in 0..<planes {
                        let target = dx.baseAddress! + plane &* inputPlane
                        let gradient = dy.baseAddress! + plane &* outputPlane
                        if isMax {
                            let offsets = best.baseAddress! + plane &* outputPlane
                            for index in 0..<outputPlane { target[Int(offsets[index])] += gradient[index] }
                            continue
                        }
                        for oy in 0..<outputHeight {
                            for ox in 0..<outputWidth {
                                let share = gradient[oy &* outputWidth &+ ox] * scale
                                let corner = oy &* stride &* width &+ ox &* stride
                                for i in 0..<size {
                                    let row = corner &+ i &* width
                                    for j in 0..<size { target[row &+ j] += share }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
