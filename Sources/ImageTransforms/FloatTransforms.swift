import TensorCore

/// A transform of float tensors, run in place on a view: of the sample's own tensor, or of its
/// slot in a batch when the feeder has `to_float` write there (`TransformChain.apply(_:using:into:)`).
public protocol TensorTransform: Transform {
    func apply(to tensor: TensorView, using generator: inout SampleRNG) throws(TransformError)
}

extension TensorTransform {
    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        try sample.tensor.withView { view throws(TransformError) in try apply(to: view, using: &generator) }
    }
}

/// `to_float`: uint8 HWC -> float32 CHW in [0, 1].
public struct ToFloatTransform: Transform {
    public var opName: String { "to_float" }
    public init() {}

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        let (h, w, c) = try requireImage(input)
        return .tensor(channels: c, height: h, width: w)
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        FloatOps.toFloat(sample.image, into: &sample.tensor)
        sample.isTensor = true
    }

    public var description: String { "to_float" }
}

/// `normalize`: (x - mean[c]) / std[c].
public struct NormalizeTransform: TensorTransform {
    public var opName: String { "normalize" }
    public let mean: [Float]
    public let std: [Float]

    public init(mean: [Float], std: [Float]) throws(TransformError) {
        guard !mean.isEmpty, mean.count == std.count else {
            throw TransformError("normalize: mean and std need the same number of values (one per channel), got \(mean.count) and \(std.count)")
        }
        guard std.allSatisfy({ $0 > 0 }) else { throw TransformError("normalize: every std must be positive, got \(std)") }
        (self.mean, self.std) = (mean, std)
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        let (c, _, _) = try requireTensor(input)
        if let c, mean.count != 1 && mean.count != c {
            throw TransformError("normalize: \(mean.count) means for \(c) channels")
        }
        return input
    }

    public func apply(to tensor: TensorView, using generator: inout SampleRNG) throws(TransformError) {
        try FloatOps.normalize(tensor, mean: mean, std: std)
    }

    public var description: String { "normalize mean \(mean) std \(std)" }
}

/// `random_erasing`: with probability `p`, a random box set to `value`.
public struct RandomErasingTransform: TensorTransform {
    public var opName: String { "random_erasing" }
    public enum Value: Equatable, Sendable {
        /// One value for every channel, or one per channel.
        case constant([Float])
        /// A standard normal draw per erased element.
        case random
    }
    public let p: Double
    public let scale: ClosedRange<Double>
    public let ratio: ClosedRange<Double>
    public let value: Value
    public var isRandom: Bool { true }

    public init(p: Double = 0.5, scale: ClosedRange<Double> = 0.02...0.33, ratio: ClosedRange<Double> = 0.3...3.3,
                value: Value = .constant([0])) throws(TransformError) {
        guard (0...1).contains(p) else { throw TransformError("random_erasing: p must be in [0, 1], got \(p)") }
        guard scale.lowerBound >= 0, scale.upperBound <= 1 else { throw TransformError("random_erasing: scale must lie in [0, 1]") }
        guard ratio.lowerBound > 0 else { throw TransformError("random_erasing: ratio must be positive") }
        if case .constant(let values) = value, values.isEmpty { throw TransformError("random_erasing: value needs a number") }
        (self.p, self.scale, self.ratio, self.value) = (p, scale, ratio, value)
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        let (c, _, _) = try requireTensor(input)
        if case .constant(let values) = value, let c, values.count != 1 && values.count != c {
            throw TransformError("random_erasing: value has \(values.count) numbers for \(c) channels")
        }
        return input
    }

    /// The box to erase in a `height` x `width` tensor, or nil to leave it as it is: the op's
    /// parameters. The values of `.random` are drawn after, by the kernel, one per element.
    func box(height: Int, width: Int, using generator: inout SampleRNG) -> RandomParameters.Box? {
        guard RandomParameters.happens(p, using: &generator) else { return nil }
        return RandomParameters.erasingBox(height: height, width: width, scale: scale, ratio: ratio, using: &generator)
    }

    public func apply(to tensor: TensorView, using generator: inout SampleRNG) throws(TransformError) {
        guard let box = box(height: tensor.height, width: tensor.width, using: &generator) else { return }
        switch value {
        case .constant(let values):
            FloatOps.erase(tensor, top: box.top, left: box.left, height: box.height, width: box.width, value: values)
        case .random:
            FloatOps.eraseWithNoise(tensor, top: box.top, left: box.left, height: box.height, width: box.width, using: &generator)
        }
    }

    public var description: String {
        let valueText = switch value {
        case .constant(let values): values.count == 1 ? "\(values[0])" : "\(values)"
        case .random: "random"
        }
        return "random_erasing p=\(p), scale \(scale.lowerBound)-\(scale.upperBound), ratio \(ratio.lowerBound)-\(ratio.upperBound), value \(valueText)"
    }
}

/// `gaussian_noise`: x + mean + sigma * N(0, 1), clamped to [0, 1] if `clip`.
public struct GaussianNoiseTransform: TensorTransform {
    public var opName: String { "gaussian_noise" }
    public let mean: Float
    public let sigma: Float
    public let clip: Bool
    public var isRandom: Bool { true }

    public init(mean: Float = 0, sigma: Float = 0.1, clip: Bool = true) throws(TransformError) {
        guard sigma >= 0 else { throw TransformError("gaussian_noise: sigma must not be negative, got \(sigma)") }
        (self.mean, self.sigma, self.clip) = (mean, sigma, clip)
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        _ = try requireTensor(input)
        return input
    }

    /// No parameters step: the noise is drawn by the kernel, one value per element, as
    /// torchvision's `gaussian_noise` kernel draws it.
    public func apply(to tensor: TensorView, using generator: inout SampleRNG) throws(TransformError) {
        FloatOps.gaussianNoise(tensor, mean: mean, sigma: sigma, clip: clip, using: &generator)
    }

    public var description: String { "gaussian_noise mean \(mean) sigma \(sigma)\(clip ? ", clip" : "")" }
}
