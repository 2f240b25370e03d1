import TensorCore

/// One entry of a pipeline file's `model` list: what to build, before the input shape is known.
public enum LayerSpec: Sendable, Equatable {
    case conv2d(filters: Int, kernel: (height: Int, width: Int), stride: Int, padding: ConvPadding, dilation: Int,
                bias: Bool, initializer: Initializer)
    case relu
    case maxPool(size: Int, stride: Int?)
    case avgPool(size: Int, stride: Int?)
    case globalAvgPool
    case flatten
    case dense(units: Int, bias: Bool, initializer: Initializer)
    case dropout(rate: Double)
    case batchNorm(momentum: Double, epsilon: Double)

    public static func == (lhs: LayerSpec, rhs: LayerSpec) -> Bool {
        switch (lhs, rhs) {
        case let (.conv2d(f1, k1, s1, p1, d1, b1, i1), .conv2d(f2, k2, s2, p2, d2, b2, i2)):
            f1 == f2 && k1 == k2 && s1 == s2 && p1 == p2 && d1 == d2 && b1 == b2 && i1 == i2
        case (.relu, .relu), (.globalAvgPool, .globalAvgPool), (.flatten, .flatten): true
        case let (.maxPool(a, b), .maxPool(c, d)), let (.avgPool(a, b), .avgPool(c, d)): a == c && b == d
        case let (.dense(u1, b1, i1), .dense(u2, b2, i2)): u1 == u2 && b1 == b2 && i1 == i2
        case let (.dropout(a), .dropout(b)): a == b
        case let (.batchNorm(m1, e1), .batchNorm(m2, e2)): m1 == m2 && e1 == e2
        default: false
        }
    }

    /// The layer for a per-sample input shape, its weights drawn from `rng`.
    func makeLayer(inputShape: [Int], rng: inout SampleRNG) throws(ModelError) -> any Layer {
        try checkSize(inputShape: inputShape)
        return switch self {
        case let .conv2d(filters, kernel, stride, padding, dilation, bias, initializer):
            try Conv2D(inputShape: inputShape, filters: filters, kernel: kernel, stride: stride, padding: padding,
                       dilation: dilation, bias: bias, initializer: initializer, rng: &rng)
        case .relu: ReLU(inputShape: inputShape)
        case let .maxPool(size, stride): try Pool2D(inputShape: inputShape, reduction: .max, size: size, stride: stride)
        case let .avgPool(size, stride): try Pool2D(inputShape: inputShape, reduction: .average, size: size, stride: stride)
        case .globalAvgPool: try GlobalAveragePool(inputShape: inputShape)
        case .flatten: Flatten(inputShape: inputShape)
        case let .dense(units, bias, initializer):
            try Dense(inputShape: inputShape, units: units, bias: bias, initializer: initializer, rng: &rng)
        case let .dropout(rate): try Dropout(inputShape: inputShape, rate: rate)
        case let .batchNorm(momentum, epsilon): try BatchNorm(inputShape: inputShape, momentum: momentum, epsilon: epsilon)
        }
    }

    /// The most weights one layer may have: 2^28 float32 values (1 GiB), 2.6 times VGG-16's
    /// largest layer (fc6, 102.8 million). Checked before anything is allocated, so a mistyped width is an error,
    /// not an attempt to allocate terabytes.
    public static let maximumWeights = 1 << 28

    private func checkSize(inputShape: [Int]) throws(ModelError) {
        let factors: [Int]
        switch self {
        case let .conv2d(filters, kernel, _, _, _, _, _): factors = [filters, inputShape.first ?? 1, kernel.height, kernel.width]
        case let .dense(units, _, _): factors = [units] + inputShape
        default: return
        }
        // The product, or nil past Int's range.
        let weights = factors.reduce(Int?(1)) { product, factor in
            product.flatMap { let next = $0.multipliedReportingOverflow(by: factor); return next.overflow ? nil : next.partialValue }
        }
        guard let weights, weights <= Self.maximumWeights else {
            throw ModelError(layer: nil, "this layer would have \(weights.map(String.init) ?? "more than 2^63") weights for input \(inputShape), over the limit of \(Self.maximumWeights) (1 GiB of float32) per layer")
        }
    }
}
