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

/// `color_jitter`: torchvision's `ColorJitter(brightness, contrast, saturation, hue)` on PIL
/// images. Each sample draws a random order of the four adjustments (a permutation of 4), then a
/// factor for each that is set (uniform in its range, in the order brightness, contrast,
/// saturation, hue), as `make_params` does, then applies them in that order (`ColorAdjust`).
public struct ColorJitterTransform: Transform {
    /// The factor ranges; nil: that adjustment is left out.
    public let brightness: ClosedRange<Double>?
    public let contrast: ClosedRange<Double>?
    public let saturation: ClosedRange<Double>?
    public let hue: ClosedRange<Double>?
    public var opName: String { "color_jitter" }
    public var isRandom: Bool { true }
    /// Equal channels stay equal: luma of (v, v, v) is v, and gray has no hue.
    public var commutesWithGrayToRGB: Bool { true }

    public init(brightness: ClosedRange<Double>? = nil, contrast: ClosedRange<Double>? = nil, saturation: ClosedRange<Double>? = nil,
                hue: ClosedRange<Double>? = nil) throws(TransformError) {
        for (name, range) in [("brightness", brightness), ("contrast", contrast), ("saturation", saturation)] {
            guard let range else { continue }
            guard range.lowerBound >= 0 else { throw TransformError("color_jitter: \(name) factors must not be negative, got \(range)") }
        }
        if let hue, hue.lowerBound < -0.5 || hue.upperBound > 0.5 {
            throw TransformError("color_jitter: hue must lie in [-0.5, 0.5], got \(hue)")
        }
        // As torchvision: a range that is only the neutral value leaves the adjustment out.
        self.brightness = brightness == 1...1 ? nil : brightness
        self.contrast = contrast == 1...1 ? nil : contrast
        self.saturation = saturation == 1...1 ? nil : saturation
        self.hue = hue == 0...0 ? nil : hue
    }

    /// torchvision's reading of one number: [max(0, 1 - x), 1 + x] (hue: [-x, x]).
    public static func range(around value: Double, hue: Bool = false) throws(TransformError) -> ClosedRange<Double> {
        guard value >= 0 else { throw TransformError("color_jitter: a single number must not be negative, got \(value)") }
        return hue ? -value...value : max(0, 1 - value)...(1 + value)
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        _ = try requireImage(input)
        return input
    }

    /// The sample's draws, as torchvision's `make_params`: the order of the adjustments (0
    /// brightness, 1 contrast, 2 saturation, 3 hue; Fisher-Yates), then each set factor.
    public func parameters(using generator: inout SampleRNG) -> (order: [Int], factors: [Double?]) {
        var order = [0, 1, 2, 3]
        for position in stride(from: 3, to: 0, by: -1) { order.swapAt(position, generator.integer(upTo: position)) }
        let factors = [brightness, contrast, saturation, hue].map { range in range.map { generator.uniform($0.lowerBound, $0.upperBound) } }
        return (order, factors)
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        let (order, factors) = parameters(using: &generator)
        for adjustment in order {
            guard let factor = factors[adjustment] else { continue }
            switch adjustment {
            case 0: ColorAdjust.brightness(&sample.image, factor: factor)
            case 1: ColorAdjust.contrast(&sample.image, factor: factor)
            case 2: ColorAdjust.saturation(&sample.image, factor: factor)
            default: ColorAdjust.hue(&sample.image, factor: factor)
            }
        }
    }

    public var description: String {
        let parts = [("brightness", brightness), ("contrast", contrast), ("saturation", saturation), ("hue", hue)]
            .compactMap { name, range in range.map { "\(name) \($0.lowerBound)-\($0.upperBound)" } }
        return "color_jitter " + (parts.isEmpty ? "(nothing)" : parts.joined(separator: ", "))
    }
}
