import TensorCore

/// `random_crop`: pad (optionally), then a `height` x `width` window at a uniform offset.
public struct RandomCropTransform: Transform {
    public var commutesWithGrayToRGB: Bool { Set(fill).count == 1 }
    public var opName: String { "random_crop" }
    public let height: Int
    public let width: Int
    public let padding: Padding
    public let mode: PaddingMode
    public let fill: [UInt8]
    public let padIfNeeded: Bool
    public var isRandom: Bool { true }

    public init(height: Int, width: Int, padding: Padding = .zero, mode: PaddingMode = .constant, fill: [UInt8] = [0],
                padIfNeeded: Bool = false) throws(TransformError) {
        guard height > 0, width > 0 else { throw TransformError("random_crop: size must be positive") }
        guard !fill.isEmpty else { throw TransformError("random_crop: fill needs a value") }
        (self.height, self.width, self.padding, self.mode, self.fill, self.padIfNeeded) = (height, width, padding, mode, fill, padIfNeeded)
    }

    /// The padding actually applied to an input of this size (pad_if_needed pads both sides
    /// by the shortfall, as torchvision does).
    func effectivePadding(height inputHeight: Int, width inputWidth: Int) throws(TransformError) -> Padding {
        var total = padding
        if padIfNeeded {
            let shortHeight = height - (inputHeight + padding.top + padding.bottom)
            let shortWidth = width - (inputWidth + padding.left + padding.right)
            if shortHeight > 0 { total.top += shortHeight; total.bottom += shortHeight }
            if shortWidth > 0 { total.left += shortWidth; total.right += shortWidth }
        }
        let paddedHeight = inputHeight + total.top + total.bottom, paddedWidth = inputWidth + total.left + total.right
        guard paddedHeight >= height, paddedWidth >= width else {
            throw TransformError("random_crop: crop \(width)x\(height) is larger than the \(paddedWidth)x\(paddedHeight) padded input (set pad_if_needed: true)")
        }
        return total
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        let (h, w, c) = try requireImage(input)
        try checkFill(fill, channels: c)
        if let h, let w {
            let total = try effectivePadding(height: h, width: w)
            try total.validate(mode: mode, height: h, width: w)
        }
        return .image(height: height, width: width, channels: c)
    }

    /// The padding, then a uniform offset in the padded input.
    func placement(height inputHeight: Int, width inputWidth: Int, using generator: inout SampleRNG) throws(TransformError) -> CropPlacement {
        let total = try effectivePadding(height: inputHeight, width: inputWidth)
        let offset = RandomParameters.cropOffset(paddedHeight: inputHeight + total.top + total.bottom,
                                                 paddedWidth: inputWidth + total.left + total.right,
                                                 height: height, width: width, using: &generator)
        return CropPlacement(padding: total, top: offset.top, left: offset.left, height: height, width: width)
    }

    public var description: String {
        "random_crop \(height)x\(width)" + (padding == .zero ? "" : ", padding \(padding.description) \(mode.rawValue)")
            + (padIfNeeded ? ", pad_if_needed" : "")
    }
}

extension RandomCropTransform: PlacedCrop {}

/// `random_resized_crop`: a random box (area fraction in `scale`, aspect in `ratio`), resized.
public struct RandomResizedCropTransform: Transform {
    public var commutesWithGrayToRGB: Bool { true }
    public var opName: String { "random_resized_crop" }
    public let height: Int
    public let width: Int
    public let scale: ClosedRange<Double>
    public let ratio: ClosedRange<Double>
    public let interpolation: Interpolation
    public let antialias: Bool
    public var isRandom: Bool { true }

    public init(height: Int, width: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3),
                interpolation: Interpolation = .bilinear, antialias: Bool = true) throws(TransformError) {
        guard height > 0, width > 0 else { throw TransformError("random_resized_crop: size must be positive") }
        guard scale.lowerBound > 0, ratio.lowerBound > 0 else {
            throw TransformError("random_resized_crop: scale and ratio must be positive ranges")
        }
        (self.height, self.width, self.scale, self.ratio, self.interpolation, self.antialias) = (height, width, scale, ratio, interpolation, antialias)
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        .image(height: height, width: width, channels: try requireImage(input).channels)
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        try apply(&sample, box: box(height: sample.image.height, width: sample.image.width, using: &generator))
    }

    /// The box to crop from an image of `height` x `width`: the op's parameters, its only draws.
    func box(height: Int, width: Int, using generator: inout SampleRNG) -> PixelRegion {
        let box = RandomParameters.resizedCropBox(height: height, width: width, scale: scale, ratio: ratio, using: &generator)
        return PixelRegion(top: box.top, left: box.left, height: box.height, width: box.width)
    }

    /// The op with its box drawn: from the whole image, or from the image of the box alone when
    /// `sample.region` says it holds just that.
    func apply(_ sample: inout SampleBuffer, box: PixelRegion) throws(TransformError) {
        if sample.region == box {
            Resize.resize(sample.image, height: height, width: width, interpolation: interpolation, antialias: antialias,
                          into: &sample.spare, scratch: &sample.scratch, taps: &sample.taps)
        } else {
            try PadCrop.apply(sample.image, top: box.top, left: box.left, height: box.height, width: box.width, into: &sample.window)
            Resize.resize(sample.window, height: height, width: width, interpolation: interpolation, antialias: antialias,
                          into: &sample.spare, scratch: &sample.scratch, taps: &sample.taps)
        }
        swap(&sample.image, &sample.spare)
    }

    public var description: String {
        "random_resized_crop \(height)x\(width), scale \(scale.lowerBound)-\(scale.upperBound), ratio \(ratio.lowerBound)-\(ratio.upperBound), \(interpolation.rawValue)"
    }
}

/// `horizontal_flip` / `vertical_flip`: mirror with probability `p`.
public struct FlipTransform: Transform {
    public var commutesWithGrayToRGB: Bool { true }
    public let horizontal: Bool
    public let p: Double
    public var isRandom: Bool { true }
    public var opName: String { horizontal ? "horizontal_flip" : "vertical_flip" }

    public init(horizontal: Bool, p: Double = 0.5) throws(TransformError) {
        guard (0...1).contains(p) else { throw TransformError("\(horizontal ? "horizontal" : "vertical")_flip: p must be in [0, 1], got \(p)") }
        self.horizontal = horizontal
        self.p = p
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        guard case .image = input else {
            throw TransformError("\(horizontal ? "horizontal" : "vertical")_flip works on uint8 images: place it before to_float")
        }
        return input
    }

    /// Whether this sample is flipped: the op's parameter, its one draw.
    func flips(using generator: inout SampleRNG) -> Bool {
        RandomParameters.happens(p, using: &generator)
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        guard flips(using: &generator) else { return }
        if horizontal {
            Flip.horizontal(sample.image, into: &sample.spare)
        } else {
            Flip.vertical(sample.image, into: &sample.spare)
        }
        swap(&sample.image, &sample.spare)
    }

    public var description: String { "\(horizontal ? "horizontal" : "vertical")_flip p=\(p)" }
}
