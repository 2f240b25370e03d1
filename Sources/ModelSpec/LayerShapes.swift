/// The shape rules of the layers, checked without building them: the Trainer's layers are built
/// through these same checks, so a pipeline file's model is checked when the file is read, with
/// the errors its layers would give, and nothing is allocated.
extension LayerSpec {
    /// The shape this layer gives for a per-sample input of `inputShape`, or why it cannot take it.
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        try checkWeights(inputShape: inputShape)
        switch self {
        case let .conv2d(filters, kernel, stride, padding, dilation, _, _):
            let shape = try ConvShape(inputShape: inputShape, filters: filters, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
            return [filters, shape.outputHeight, shape.outputWidth]
        case .relu:
            return inputShape
        case let .dropout(rate):
            guard rate >= 0, rate < 1 else { throw ModelError(layer: nil, "dropout: rate must be in [0, 1), got \(rate)") }
            return inputShape
        case let .batchNorm(momentum, epsilon):
            guard inputShape.count == 3 || inputShape.count == 1 else {
                throw ModelError(layer: nil, "batch_norm needs [C, H, W] or [features], got \(inputShape)")
            }
            guard momentum >= 0, momentum <= 1, epsilon > 0 else { throw ModelError(layer: nil, "batch_norm: momentum is in [0, 1] and epsilon > 0") }
            return inputShape
        case let .maxPool(size, stride):
            let shape = try PoolShape(name: "max_pool", inputShape: inputShape, size: size, stride: stride)
            return [inputShape[0], shape.outputHeight, shape.outputWidth]
        case let .avgPool(size, stride):
            let shape = try PoolShape(name: "avg_pool", inputShape: inputShape, size: size, stride: stride)
            return [inputShape[0], shape.outputHeight, shape.outputWidth]
        case .globalAvgPool:
            guard inputShape.count == 3 else { throw ModelError(layer: nil, "global_avg_pool needs an image input [C, H, W], got \(inputShape)") }
            return [inputShape[0]]
        case .flatten:
            return [inputShape.reduce(1, *)]
        case let .dense(units, _, _):
            guard inputShape.count == 1 else {
                throw ModelError(layer: nil, "dense needs a flat input [features], got \(inputShape): add 'flatten: {}' or 'global_avg_pool: {}' before it")
            }
            guard units >= 1 else { throw ModelError(layer: nil, "dense: units must be at least 1") }
            return [units]
        }
    }

    /// Each layer's output shape in turn, from a per-sample input of `inputShape`; an error
    /// names its layer's position. A model ends in class scores [classes].
    public static func outputShapes(of specs: [LayerSpec], inputShape: [Int]) throws(ModelError) -> [[Int]] {
        guard !specs.isEmpty else { throw ModelError(layer: nil, "the model has no layers") }
        var shapes: [[Int]] = [], shape = inputShape
        for (position, spec) in specs.enumerated() {
            do {
                shape = try spec.outputShape(for: shape)
            } catch {
                throw ModelError(layer: position, error.message)
            }
            shapes.append(shape)
        }
        guard shape.count == 1 else {
            throw ModelError(layer: specs.count - 1, "the model must end in class scores [classes] (flatten then dense), it ends in \(shape)")
        }
        return shapes
    }
}

/// Where a convolution's output comes from: the zeros it adds before the input (top, left)
/// and the output's size, for an input [C, H, W].
public struct ConvShape: Sendable, Equatable {
    public let padTop: Int, padLeft: Int
    public let outputHeight: Int, outputWidth: Int

    public init(inputShape: [Int], filters: Int, kernel: (height: Int, width: Int), stride: Int, padding: ConvPadding,
                dilation: Int) throws(ModelError) {
        guard inputShape.count == 3 else {
            throw ModelError(layer: nil, "conv2d needs an image input [C, H, W], got \(inputShape)")
        }
        guard filters >= 1, kernel.height >= 1, kernel.width >= 1, stride >= 1, dilation >= 1 else {
            throw ModelError(layer: nil, "conv2d: filters, kernel, stride and dilation must be at least 1")
        }
        let (height, width) = (inputShape[1], inputShape[2])
        let reachHeight = (kernel.height - 1) * dilation + 1, reachWidth = (kernel.width - 1) * dilation + 1
        switch padding {
        case .valid, .explicit:
            let pad: Int
            if case .explicit(let pixels) = padding { pad = pixels } else { pad = 0 }
            guard pad >= 0 else { throw ModelError(layer: nil, "conv2d: padding must not be negative") }
            guard height + 2 * pad >= reachHeight, width + 2 * pad >= reachWidth else {
                throw ModelError(layer: nil, "conv2d: a \(kernel.height)x\(kernel.width) kernel does not fit a \(height)x\(width) input with padding \(pad)")
            }
            (padTop, padLeft) = (pad, pad)
            outputHeight = (height + 2 * pad - reachHeight) / stride + 1
            outputWidth = (width + 2 * pad - reachWidth) / stride + 1
        case .same:
            outputHeight = (height + stride - 1) / stride
            outputWidth = (width + stride - 1) / stride
            padTop = max(0, (outputHeight - 1) * stride + reachHeight - height) / 2
            padLeft = max(0, (outputWidth - 1) * stride + reachWidth - width) / 2
        }
    }
}

/// A pooling window's output size for an input [C, H, W]; the stride defaults to the size.
public struct PoolShape: Sendable, Equatable {
    public let stride: Int
    public let outputHeight: Int, outputWidth: Int

    /// `name` is the op's, for messages (`max_pool`, `avg_pool`).
    public init(name: String, inputShape: [Int], size: Int, stride: Int?) throws(ModelError) {
        guard inputShape.count == 3 else { throw ModelError(layer: nil, "\(name) needs an image input [C, H, W], got \(inputShape)") }
        let stride = stride ?? size
        guard size >= 1, stride >= 1 else { throw ModelError(layer: nil, "\(name): size and stride must be at least 1") }
        guard inputShape[1] >= size, inputShape[2] >= size else {
            throw ModelError(layer: nil, "\(name): a \(size)x\(size) window does not fit a \(inputShape[1])x\(inputShape[2]) input")
        }
        self.stride = stride
        outputHeight = (inputShape[1] - size) / stride + 1
        outputWidth = (inputShape[2] - size) / stride + 1
    }
}
