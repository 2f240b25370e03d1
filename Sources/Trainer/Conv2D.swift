import CSluiceKernels
import ModelSpec
import TensorCore

/// 2-D convolution as im2col + OpenBLAS sgemm a sample at a time (`ColumnConvolution`), or, for a first layer
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
    /// The im2col path.
    private let columnPath: ColumnConvolution
    /// [groups, F * K + F]: the im2col path's weight and bias gradients per group of samples.
    private var blockGradients: [Float] = []
    /// The direct path's shape, when this layer takes it.
    private let direct: sl_conv_shape?
    /// [N, F * K + F]: the direct path's per-sample weight and bias gradients, summed in order.
    private var sampleGradients: [Float] = []

    public init(inputShape: [Int], filters: Int, kernel: (height: Int, width: Int), stride: Int = 1,
                padding: ConvPadding = .valid, dilation: Int = 1, bias: Bool = true,
                initializer: Initializer = .pytorch, rng: inout SampleRNG) throws(ModelError) {
        try LayerSpec.conv2d(filters: filters, kernel: kernel, stride: stride, padding: padding, dilation: dilation, bias: bias,
                             initializer: initializer).checkWeights(inputShape: inputShape)
        let shape = try ConvShape(inputShape: inputShape, filters: filters, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
        _ = try BLASLibrary.load()
        let (channels, height, width) = (inputShape[0], inputShape[1], inputShape[2])
        geometry = ConvGeometry(channels: channels, height: height, width: width, kernelHeight: kernel.height,
                                kernelWidth: kernel.width, stride: stride, dilation: dilation, padTop: shape.padTop, padLeft: shape.padLeft,
                                outputHeight: shape.outputHeight, outputWidth: shape.outputWidth)
        self.filters = filters
        self.padding = padding
        columnPath = ColumnConvolution(geometry: geometry, filters: filters)
        direct = channels <= 3 && stride == 1 && shape.outputWidth >= 16
            ? sl_conv_shape(channels: Int32(channels), height: Int32(height), width: Int32(width), filters: Int32(filters),
                            kernel_height: Int32(kernel.height), kernel_width: Int32(kernel.width), dilation: Int32(dilation),
                            pad_top: Int32(shape.padTop), pad_left: Int32(shape.padLeft), output_height: Int32(shape.outputHeight),
                            output_width: Int32(shape.outputWidth))
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
        output.reshape([batch, filters, geometry.outputHeight, geometry.outputWidth])
        input.values.withUnsafeBufferPointer { x in
            weight.value.withUnsafeBufferPointer { w in
                output.values.withUnsafeMutableBufferPointer { y in
                    withOptionalPointer(bias?.value) { b in
                        columnPath.forward(x.baseAddress!, batch: batch, weight: w.baseAddress!, bias: b, into: y.baseAddress!)
                    }
                }
            }
        }
    }

    public func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool) {
        if let direct { parameterGradientsDirect(input, outputGradient: outputGradient, shape: direct) }
        guard direct == nil || needsInputGradient else { return }
        let batch = input.shape[0]
        if needsInputGradient { inputGradient.reshape(input.shape) }
        blockGradients.resize(to: columnPath.groups(batch) * (weight.count + filters))
        let parameters = direct == nil, needsInput = needsInputGradient
        func run(biasGradient: UnsafeMutablePointer<Float>?) {
            input.values.withUnsafeBufferPointer { x in
                outputGradient.values.withUnsafeBufferPointer { dy in
                    weight.value.withUnsafeBufferPointer { w in
                        weight.gradient.withUnsafeMutableBufferPointer { dw in
                            inputGradient.values.withUnsafeMutableBufferPointer { dx in
                                blockGradients.withUnsafeMutableBufferPointer { partials in
                                    columnPath.backward(x.baseAddress!, batch: batch, outputGradient: dy.baseAddress!, weight: w.baseAddress!,
                                                        weightGradient: parameters ? dw.baseAddress : nil, biasGradient: biasGradient,
                                                        inputGradient: needsInput ? dx.baseAddress : nil, partials: partials.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
        }
        if parameters, let bias {
            bias.gradient.withUnsafeMutableBufferPointer { run(biasGradient: $0.baseAddress) }
        } else {
            run(biasGradient: nil)
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
