import ModelSpec
import TensorCore

extension LayerSpec {
    /// The layer for a per-sample input shape, its weights drawn from `rng`.
    func makeLayer(inputShape: [Int], rng: inout SampleRNG) throws(ModelError) -> any Layer {
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
}
