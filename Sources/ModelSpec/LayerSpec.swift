/// One entry of a pipeline file's `model` list: what to build, before the input shape is known.
/// A plain description: the Trainer builds layers from it (`Model`).
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

    /// The most weights one layer may have: 2^28 float32 values (1 GiB), 2.6 times VGG-16's
    /// largest layer (fc6, 102.8 million). Checked before anything is allocated, so a mistyped width is an error,
    /// not an attempt to allocate terabytes.
    public static let maximumWeights = 1 << 28

    /// Refuses a layer whose weights for `inputShape` pass `maximumWeights`.
    public func checkWeights(inputShape: [Int]) throws(ModelError) {
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
