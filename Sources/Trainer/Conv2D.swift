import CSluiceKernels
import TensorCore

/// How a convolution pads its input.
public enum ConvPadding: Sendable, Equatable, CustomStringConvertible {
    /// No padding.
    case valid
    /// Output size ceil(input / stride); the odd pixel of an even total goes bottom/right
    /// (Keras and PyTorch `padding="same"`).
    case same
    /// The same number of zeros on every side.
    case explicit(Int)

    public var description: String {
        switch self {
        case .valid: "valid"
        case .same: "same"
        case .explicit(let pixels): "\(pixels)"
        }
    }
}

/// 2-D convolution as im2col + one OpenBLAS sgemm over the whole batch, or, for a first layer
/// (at most 3 input channels, stride 1, outputs at least 16 wide), directly: there the column
/// matrix holds 9-27 rows and moving it costs more than the arithmetic (`sl_conv_direct_forward`).
/// Weights [filters, inputChannels, kh, kw] and bias [filters], as PyTorch's `Conv2d`.
public final class Conv2D: Layer {
    public let kind = "conv2d"
    let geometry: ConvGeometry
    public let filters: Int
    public let padding: ConvPadding
    public let weight: Parameter
    public let bias: Parameter?
    public private(set) var output = Tensor()
    public private(set) var inputGradient = Tensor()
    /// [K, N * P]: the column matrix of the last forward pass; reused for its gradient.
    private var columns: [Float] = []
    /// [F, N * P]: the product, or the output gradient in the same layout.
    private var product: [Float] = []
    /// The direct path's shape, when this layer takes it.
    private let direct: sl_conv_shape?
    /// [N, F * K + F]: the direct path's per-sample weight and bias gradients, summed in order.
    private var sampleGradients: [Float] = []

    public init(inputShape: [Int], filters: Int, kernel: (height: Int, width: Int), stride: Int = 1,
                padding: ConvPadding = .valid, dilation: Int = 1, bias: Bool = true,
                initializer: Initializer = .pytorch, rng: inout SampleRNG) throws(ModelError) {
        guard inputShape.count == 3 else {
            throw ModelError(layer: nil, "conv2d needs an image input [C, H, W], got \(inputShape)")
        }
        guard filters >= 1, kernel.height >= 1, kernel.width >= 1, stride >= 1, dilation >= 1 else {
            throw ModelError(layer: nil, "conv2d: filters, kernel, stride and dilation must be at least 1")
        }
        _ = try BLASLibrary.load()
        let (channels, height, width) = (inputShape[0], inputShape[1], inputShape[2])
        let reachHeight = (kernel.height - 1) * dilation + 1, reachWidth = (kernel.width - 1) * dilation + 1
        var padTop = 0, padLeft = 0, outputHeight = 0, outputWidth = 0
        switch padding {
        case .valid, .explicit:
            let pad: Int
            if case .explicit(let pixels) = padding { pad = pixels } else { pad = 0 }
            guard pad >= 0 else { throw ModelError(layer: nil, "conv2d: padding must not be negative") }
            padTop = pad
            padLeft = pad
            outputHeight = (height + 2 * pad - reachHeight) / stride + 1
            outputWidth = (width + 2 * pad - reachWidth) / stride + 1
            guard height + 2 * pad >= reachHeight, width + 2 * pad >= reachWidth else {
                throw ModelError(layer: nil, "conv2d: a \(kernel.height)x\(kernel.width) kernel does not fit a \(height)x\(width) input with padding \(pad)")
            }
        case .same:
            outputHeight = (height + stride - 1) / stride
            outputWidth = (width + stride - 1) / stride
            padTop = max(0, (outputHeight - 1) * stride + reachHeight - height) / 2
            padLeft = max(0, (outputWidth - 1) * stride + reachWidth - width) / 2
        }
        geometry = ConvGeometry(channels: channels, height: height, width: width, kernelHeight: kernel.height,
                                kernelWidth: kernel.width, stride: stride, dilation: dilation, padTop: padTop, padLeft: padLeft,
                                outputHeight: outputHeight, outputWidth: outputWidth)
        self.filters = filters
        self.padding = padding
        direct = channels <= 3 && stride == 1 && outputWidth >= 16
            ? sl_conv_shape(channels: Int32(channels), height: Int32(height), width: Int32(width), filters: Int32(filters),
                            kernel_height: Int32(kernel.height), kernel_width: Int32(kernel.width), dilation: Int32(dilation),
                            pad_top: Int32(padTop), pad_left: Int32(padLeft), output_height: Int32(outputHeight),
                            output_width: Int32(outputWidth))
            : nil
        let fanIn = channels * kernel.height * kernel.width
        let fanOut = filters * kernel.height * kernel.width
        weight = Parameter(name: "weight", shape: [filters, channels, kernel.height, kernel.width],
                           value: initializer.weights(count: filters * fanIn, fanIn: fanIn, fanOut: fanOut, rng: &rng))
        self.bias = bias ? Parameter(name: "bias", shape: [filters], value: initializer.biases(count: filters, fanIn: fanIn, rng: &rng)) : nil
    }

    public var outputShape: [Int] { [filters, geometry.outputHeight, geometry.outputWidth] }
    var takesDirectPath: Bool { direct != nil }
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }
    public var window: SpatialWindow? { SpatialWindow(kernel: geometry.kernelHeight, stride: geometry.stride, dilation: geometry.dilation) }
    public var settingsDescription: String {
        let strideText = geometry.stride == 1 ? "" : ", stride \(geometry.stride)"
        let dilationText = geometry.dilation == 1 ? "" : ", dilation \(geometry.dilation)"
        return "\(filters) filters \(geometry.kernelHeight)x\(geometry.kernelWidth), \(padding)\(strideText)\(dilationText)"
    }

    public func forward(_ input: Tensor, mode: PassMode, rng: inout SampleRNG) {
        if let direct { return forwardDirect(input, shape: direct) }
        let batch = input.shape[0]
        let g = geometry, filters = self.filters
        let pixels = g.outputPixels, rows = g.columnRows, rowStride = batch * pixels
        columns.resize(to: rows * rowStride)
        product.resize(to: filters * rowStride)
        output.reshape([batch, filters, g.outputHeight, g.outputWidth])
        let sampleSize = g.channels * g.height * g.width
        input.values.withUnsafeBufferPointer { x in
            columns.withUnsafeMutableBufferPointer { cols in
                let (source, destination) = (x.baseAddress!, cols.baseAddress!)
                ComputeThreads.forEachChunk(batch) { samples in
                    for n in samples { g.im2col(source + n * sampleSize, into: destination + n * pixels, rowStride: rowStride) }
                }
            }
        }
        // product [F, N*P] = weight [F, K] x columns [K, N*P]
        weight.value.withUnsafeBufferPointer { w in
            columns.withUnsafeBufferPointer { cols in
                product.withUnsafeMutableBufferPointer { y in
                    MatrixProduct(rows: filters, columns: rowStride, depth: rows)
                        .run(w.baseAddress!, leadingA: rows, cols.baseAddress!, leadingB: rowStride, into: y.baseAddress!, leadingC: rowStride)
                }
            }
        }
        // output [N, F, P] = product transposed by blocks, plus bias
        let biasValues = bias?.value ?? Array(repeating: 0, count: filters)
        product.withUnsafeBufferPointer { y in
            output.values.withUnsafeMutableBufferPointer { out in
                let (product, output) = (y.baseAddress!, out.baseAddress!)
                ComputeThreads.forEachChunk(batch) { samples in
                    for n in samples {
                        for f in 0..<filters {
                            let source = product + f * rowStride + n * pixels
                            let destination = output + (n * filters + f) * pixels
                            let b = biasValues[f]
                            for p in 0..<pixels { destination[p] = source[p] + b }
                        }
                    }
                }
            }
        }
    }

    public func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool) {
        if let direct {
            parameterGradientsDirect(input, outputGradient: outputGradient, shape: direct)
            guard needsInputGradient else { return }
            regroup(outputGradient, batch: input.shape[0])
            inputGradientFromProduct(batch: input.shape[0], inputShape: input.shape)
            return
        }
        let batch = input.shape[0]
        let g = geometry, filters = self.filters
        let pixels = g.outputPixels, rows = g.columnRows, rowStride = batch * pixels
        regroup(outputGradient, batch: batch)
        if let bias {
            product.withUnsafeBufferPointer { y in
                for f in 0..<filters { bias.gradient[f] = VectorMath.sum(y.baseAddress! + f * rowStride, count: rowStride) }
            }
        }
        // weight gradient [F, K] = product [F, N*P] x columns^T [N*P, K]
        product.withUnsafeBufferPointer { dy in
            columns.withUnsafeBufferPointer { cols in
                weight.gradient.withUnsafeMutableBufferPointer { dw in
                    MatrixProduct(transposeB: true, rows: filters, columns: rows, depth: rowStride)
                        .run(dy.baseAddress!, leadingA: rowStride, cols.baseAddress!, leadingB: rowStride, into: dw.baseAddress!, leadingC: rows)
                }
            }
        }
        guard needsInputGradient else { return }
        inputGradientFromProduct(batch: batch, inputShape: input.shape)
    }

    /// product [F, N*P] = outputGradient [N, F, P] regrouped.
    private func regroup(_ outputGradient: Tensor, batch: Int) {
        let filters = self.filters, pixels = geometry.outputPixels, rowStride = batch * pixels
        product.resize(to: filters * rowStride)
        outputGradient.values.withUnsafeBufferPointer { dy in
            product.withUnsafeMutableBufferPointer { y in
                let (gradient, product) = (dy.baseAddress!, y.baseAddress!)
                ComputeThreads.forEachChunk(batch) { samples in
                    for n in samples {
                        for f in 0..<filters {
                            (product + f * rowStride + n * pixels).update(from: gradient + (n * filters + f) * pixels, count: pixels)
                        }
                    }
                }
            }
        }
    }

    /// The input gradient from the regrouped output gradient in `product`: the transposed
    /// product, folded back (col2im).
    private func inputGradientFromProduct(batch: Int, inputShape: [Int]) {
        let g = geometry, filters = self.filters
        let pixels = g.outputPixels, rows = g.columnRows, rowStride = batch * pixels
        columns.resize(to: rows * rowStride)
        // column gradient [K, N*P] = weight^T [K, F] x product [F, N*P], then folded back
        weight.value.withUnsafeBufferPointer { w in
            product.withUnsafeBufferPointer { dy in
                columns.withUnsafeMutableBufferPointer { cols in
                    MatrixProduct(transposeA: true, rows: rows, columns: rowStride, depth: filters)
                        .run(w.baseAddress!, leadingA: rows, dy.baseAddress!, leadingB: rowStride, into: cols.baseAddress!, leadingC: rowStride)
                }
            }
        }
        inputGradient.reshape(inputShape)
        let sampleSize = g.channels * g.height * g.width
        columns.withUnsafeBufferPointer { cols in
            inputGradient.values.withUnsafeMutableBufferPointer { dx in
                let (source, destination) = (cols.baseAddress!, dx.baseAddress!)
                ComputeThreads.forEachChunk(batch) { samples in
                    (destination + samples.lowerBound * sampleSize).update(repeating: 0, count: samples.count * sampleSize)
                    for n in samples { g.col2im(source + n * pixels, rowStride: rowStride, into: destination + n * sampleSize) }
                }
            }
        }
    }

    /// The direct path's forward pass, sample by sample over the compute threads.
    private func forwardDirect(_ input: Tensor, shape: sl_conv_shape) {
        let batch = input.shape[0], filters = self.filters
        output.reshape([batch, filters, geometry.outputHeight, geometry.outputWidth])
        let (sampleSize, outputSize) = (geometry.channels * geometry.height * geometry.width, filters * geometry.outputPixels)
        var shape = shape
        let scratchCount = sl_conv_direct_scratch(&shape)
        input.values.withUnsafeBufferPointer { x in
            weight.value.withUnsafeBufferPointer { w in
                output.values.withUnsafeMutableBufferPointer { y in
                    withOptionalPointer(bias?.value) { b in
                        let (input, weight, output) = (x.baseAddress!, w.baseAddress!, y.baseAddress!)
                        ComputeThreads.forEachChunk(batch) { samples in
                            var shape = shape
                            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
                            defer { scratch.deallocate() }
                            for n in samples {
                                sl_conv_direct_forward(&shape, input + n * sampleSize, weight, b, output + n * outputSize, scratch)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The direct path's weight and bias gradients: each sample's, on the compute threads, then
    /// summed in sample order, so the thread count does not change the bits.
    private func parameterGradientsDirect(_ input: Tensor, outputGradient: Tensor, shape: sl_conv_shape) {
        let batch = input.shape[0], filters = self.filters
        let (sampleSize, outputSize) = (geometry.channels * geometry.height * geometry.width, filters * geometry.outputPixels)
        let (weightCount, stride) = (weight.count, weight.count + filters)
        var shape = shape
        let scratchCount = sl_conv_direct_scratch(&shape)
        sampleGradients.resize(to: batch * stride)
        let hasBias = bias != nil
        input.values.withUnsafeBufferPointer { x in
            outputGradient.values.withUnsafeBufferPointer { dy in
                sampleGradients.withUnsafeMutableBufferPointer { partials in
                    let (input, gradient, partials) = (x.baseAddress!, dy.baseAddress!, partials.baseAddress!)
                    ComputeThreads.forEachChunk(batch) { samples in
                        var shape = shape
                        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
                        defer { scratch.deallocate() }
                        for n in samples {
                            let sample = partials + n * stride
                            sl_conv_direct_weight_gradient(&shape, input + n * sampleSize, gradient + n * outputSize,
                                                           sample, hasBias ? sample + weightCount : nil, scratch)
                        }
                    }
                }
            }
        }
        sampleGradients.withUnsafeBufferPointer { partials in
            weight.gradient.withUnsafeMutableBufferPointer { dw in
                dw.update(repeating: 0)
                for n in 0..<batch {
                    for k in 0..<weightCount { dw[k] += partials[n * stride + k] }
                }
            }
            if let bias {
                for f in 0..<filters {
                    var sum: Float = 0
                    for n in 0..<batch { sum += partials[n * stride + weightCount + f] }
                    bias.gradient[f] = sum
                }
            }
        }
    }
}

/// `body` with a pointer to `values`' elements, or nil when there are none.
private func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}
