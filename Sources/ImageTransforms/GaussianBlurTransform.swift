import CSluiceKernels
import Glibc
import TensorCore

/// `gaussian_blur`: torchvision's `GaussianBlur(kernel_size, sigma)`: one sigma ~ U(sigma) per
/// sample for both axes, a kernel of `width` x `height` taps (odd) with torchvision's weights, reflect
/// edges, values rounded to even (`sl_gaussian_blur`). On PIL images torchvision converts to a
/// tensor and back, so this is its result on uint8 images either way.
public struct GaussianBlurTransform: Transform {
    public let kernelWidth: Int
    public let kernelHeight: Int
    public let sigma: ClosedRange<Double>
    public var opName: String { "gaussian_blur" }
    public var isRandom: Bool { sigma.lowerBound != sigma.upperBound }
    public var commutesWithGrayToRGB: Bool { true }

    public init(kernelWidth: Int, kernelHeight: Int, sigma: ClosedRange<Double> = 0.1...2.0) throws(TransformError) {
        guard kernelWidth > 0, kernelHeight > 0, kernelWidth % 2 == 1, kernelHeight % 2 == 1 else {
            throw TransformError("gaussian_blur: kernel_size must be odd and positive, got [\(kernelWidth), \(kernelHeight)]")
        }
        guard sigma.lowerBound > 0, sigma.upperBound.isFinite else {
            throw TransformError("gaussian_blur: sigma must be positive, got [\(sigma.lowerBound), \(sigma.upperBound)]")
        }
        (self.kernelWidth, self.kernelHeight, self.sigma) = (kernelWidth, kernelHeight, sigma)
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        _ = try requireImage(input)
        return input
    }

    /// torchvision's `_get_gaussian_kernel1d`: softmax(-(x / sigma)^2) over `size` points x evenly
    /// spaced in [-(size - 1) / (2 sqrt 2), +(size - 1) / (2 sqrt 2)], i.e. exp(-t^2 / (2 sigma^2)) at
    /// integer offsets t, normalised.
    public static func weights(size: Int, sigma: Double) -> [Float] {
        let half = Double(size - 1) / 2
        let values = (0..<size).map { exp(-(Double($0) - half) * (Double($0) - half) / (2 * sigma * sigma)) }
        let total = values.reduce(0, +)
        return values.map { Float($0 / total) }
    }

    /// The sigma torchvision's `make_params` draws.
    public func sigma(using generator: inout SampleRNG) -> Double {
        generator.uniform(sigma.lowerBound, sigma.upperBound)
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        let s = sigma(using: &generator)
        let kx = Self.weights(size: kernelWidth, sigma: s), ky = Self.weights(size: kernelHeight, sigma: s)
        let image = sample.image
        let scratch = sl_gaussian_blur_scratch(Int32(image.width), Int32(image.channels), Int32(kernelWidth), Int32(kernelHeight))
        if sample.floats.count < scratch { sample.floats = [Float](repeating: 0, count: scratch) }
        sample.spare.reshape(width: image.width, height: image.height, channels: image.channels)
        image.pixels.withUnsafeBufferPointer { input in
            sample.spare.pixels.withUnsafeMutableBufferPointer { output in
                sample.floats.withUnsafeMutableBufferPointer { floats in
                    sl_gaussian_blur(input.baseAddress, Int32(image.height), Int32(image.width), Int32(image.channels), kx, Int32(kernelWidth),
                                     ky, Int32(kernelHeight), output.baseAddress, floats.baseAddress)
                }
            }
        }
        swap(&sample.image, &sample.spare)
    }

    public var description: String {
        "gaussian_blur \(kernelWidth)x\(kernelHeight) sigma=\(sigma.lowerBound)...\(sigma.upperBound)"
    }
}
