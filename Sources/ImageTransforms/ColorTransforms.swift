import TensorCore

/// `grayscale`: torchvision's `Grayscale(num_output_channels)` on a PIL image: Pillow's
/// `convert("L")` (L = (19595 R + 38470 G + 7471 B + 2^15) >> 16), the value copied into three
/// channels when `outputChannels` is 3. A gray image stays as it is (or is copied into three).
public struct GrayscaleTransform: Transform {
    public let outputChannels: Int
    public var opName: String { "grayscale" }

    public init(outputChannels: Int = 1) throws(TransformError) {
        guard outputChannels == 1 || outputChannels == 3 else {
            throw TransformError("grayscale: num_output_channels must be 1 or 3, got \(outputChannels)")
        }
        self.outputChannels = outputChannels
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        let (height, width, _) = try requireImage(input)
        return .image(height: height, width: width, channels: outputChannels)
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        Self.gray(&sample, channels: outputChannels)
    }

    /// The sample's image as gray in `channels` channels (1 or 3).
    static func gray(_ sample: inout SampleBuffer, channels: Int) {
        if sample.image.channels == 3 {
            ColorConversion.rgbToGray(sample.image, into: &sample.spare)
            swap(&sample.image, &sample.spare)
        }
        guard channels == 3 else { return }
        ColorConversion.grayToRGB(sample.image, into: &sample.spare)
        swap(&sample.image, &sample.spare)
    }

    public var description: String { "grayscale \(outputChannels)" }
}

/// `random_grayscale`: torchvision's `RandomGrayscale(p)`: with probability `p` (one draw, u <
/// p), the image turned gray in as many channels as it has.
public struct RandomGrayscaleTransform: Transform {
    public let p: Double
    public var opName: String { "random_grayscale" }
    public var isRandom: Bool { true }
    /// A gray image copied into RGB has equal channels, which `convert("L")` leaves as they are.
    public var commutesWithGrayToRGB: Bool { true }

    public init(p: Double = 0.1) throws(TransformError) {
        guard (0...1).contains(p) else { throw TransformError("random_grayscale: p must be in [0, 1], got \(p)") }
        self.p = p
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        _ = try requireImage(input)
        return input
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        guard RandomParameters.happens(p, using: &generator) else { return }
        GrayscaleTransform.gray(&sample, channels: sample.image.channels)
    }

    public var description: String { "random_grayscale p=\(p)" }
}
