import TensorCore

/// `resize`: to an exact size, or the shorter side to `size` (torchvision's rules).
public struct ResizeTransform: Transform {
    public var commutesWithGrayToRGB: Bool { true }
    public var opName: String { "resize" }
    public enum Size: Equatable, Sendable {
        case shorterSide(Int)
        case exact(height: Int, width: Int)
    }
    public let size: Size
    public let interpolation: Interpolation
    public let antialias: Bool
    public let maxSize: Int?

    public init(size: Size, interpolation: Interpolation = .bilinear, antialias: Bool = true, maxSize: Int? = nil) throws(TransformError) {
        switch size {
        case .shorterSide(let side) where side < 1, .exact(let side, _) where side < 1, .exact(_, let side) where side < 1:
            throw TransformError("resize: size must be positive")
        case .exact where maxSize != nil:
            throw TransformError("resize: max_size applies only when size is one number (the shorter side)")
        case .shorterSide(let side) where maxSize.map({ $0 <= side }) ?? false:
            throw TransformError("resize: max_size (\(maxSize!)) must be larger than size (\(side))")
        default:
            break
        }
        self.size = size
        self.interpolation = interpolation
        self.antialias = antialias
        self.maxSize = maxSize
    }

    func target(height: Int, width: Int) throws(TransformError) -> (height: Int, width: Int) {
        let output = switch size {
        case .exact(let h, let w): (height: h, width: w)
        case .shorterSide(let side): Resize.outputSize(height: height, width: width, shorterSide: side, maxSize: maxSize)
        }
        guard output.height > 0, output.width > 0, height > 0, width > 0 else {
            throw TransformError("resize: a \(width)x\(height) image would become \(output.width)x\(output.height)")
        }
        return output
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        let (h, w, c) = try requireImage(input)
        if case .exact(let height, let width) = size { return .image(height: height, width: width, channels: c) }
        guard let h, let w else { return .image(height: nil, width: nil, channels: c) }
        let output = try target(height: h, width: w)
        return .image(height: output.height, width: output.width, channels: c)
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        let output = try target(height: sample.image.height, width: sample.image.width)
        sample.replaceImage { source, destination, scratch, taps in
            Resize.resize(source, height: output.height, width: output.width, interpolation: interpolation,
                          antialias: antialias, into: &destination, scratch: &scratch, taps: &taps)
        }
    }

    /// This resize and then `crop`, computing only the crop's window of the resize when it can
    /// (both axes filtered, a crop without padding): the same pixels and draws, less work.
    func apply(_ sample: inout SampleBuffer, thenCrop crop: any Transform, using generator: inout SampleRNG) throws(TransformError) {
        guard let placed = crop as? any PlacedCrop else {
            try apply(&sample, using: &generator)
            return try crop.apply(&sample, using: &generator)
        }
        let output = try target(height: sample.image.height, width: sample.image.width)
        let placement = try placed.placement(height: output.height, width: output.width, using: &generator)
        if let plan = windowPlan(height: sample.image.height, width: sample.image.width, placement: placement, taps: &sample.taps) {
            apply(&sample, plan: plan, origin: (0, 0))
        } else {
            try apply(&sample, using: &generator)
            try placed.apply(&sample, placement: placement)
        }
    }

    /// The crop's `placement` as a window of this resize of a `height` x `width` image, or nil
    /// when the whole image must be resized (a padded crop, an axis not filtered).
    func windowPlan(height: Int, width: Int, placement: CropPlacement, taps: inout Resize.Taps) -> Resize.WindowPlan? {
        guard let output = try? target(height: height, width: width), interpolation != .nearest,
              output.height != height, output.width != width, let window = placement.unpaddedWindow else { return nil }
        return Resize.WindowPlan(sourceHeight: height, sourceWidth: width, height: output.height, width: output.width,
                                 interpolation: interpolation, antialias: antialias,
                                 window: (window.top, window.left, window.height, window.width), taps: &taps)
    }

    /// `plan`'s window from the sample's image: the whole image, or its region from `origin` on.
    func apply(_ sample: inout SampleBuffer, plan: Resize.WindowPlan, origin: (top: Int, left: Int)) {
        sample.replaceImage { source, destination, scratch, _ in
            Resize.resize(source, origin: origin, plan: plan, into: &destination, scratch: &scratch)
        }
    }

    public var description: String {
        let sizeText = switch size {
        case .shorterSide(let side): "shorter side \(side)"
        case .exact(let h, let w): "\(h)x\(w)"
        }
        return "resize \(sizeText), \(interpolation.rawValue)\(antialias ? "" : ", no antialias")\(maxSize.map { ", max_size \($0)" } ?? "")"
    }
}

/// `center_crop`: the central `height` x `width` window (zero-padded if larger).
public struct CenterCropTransform: Transform {
    public var commutesWithGrayToRGB: Bool { true }
    public var opName: String { "center_crop" }
    public let height: Int
    public let width: Int

    public init(height: Int, width: Int) throws(TransformError) {
        guard height > 0, width > 0 else { throw TransformError("center_crop: size must be positive") }
        self.height = height
        self.width = width
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        .image(height: height, width: width, channels: try requireImage(input).channels)
    }

    /// torchvision's: zero padding around an input smaller than the crop, then the central window.
    func placement(height inputHeight: Int, width inputWidth: Int, using generator: inout SampleRNG) -> CropPlacement {
        let padding = PadCrop.centerPadding(height: inputHeight, width: inputWidth, cropHeight: height, cropWidth: width)
        let offset = PadCrop.centerOffset(height: inputHeight + padding.top + padding.bottom, width: inputWidth + padding.left + padding.right,
                                          cropHeight: height, cropWidth: width)
        return CropPlacement(padding: padding, top: offset.top, left: offset.left, height: height, width: width)
    }

    public var description: String { "center_crop \(height)x\(width)" }
}

extension CenterCropTransform: PlacedCrop {
    var mode: PaddingMode { .constant }
    var fill: [UInt8] { [0] }
}

/// `crop`: the window at (`top`, `left`) of `height` x `width`.
public struct CropTransform: Transform {
    public var commutesWithGrayToRGB: Bool { true }
    public var opName: String { "crop" }
    public let top: Int, left: Int, height: Int, width: Int

    public init(top: Int, left: Int, height: Int, width: Int) throws(TransformError) {
        guard top >= 0, left >= 0, height > 0, width > 0 else {
            throw TransformError("crop: top and left must be >= 0, height and width > 0")
        }
        (self.top, self.left, self.height, self.width) = (top, left, height, width)
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        let (h, w, c) = try requireImage(input)
        if let h, let w, top + height > h || left + width > w {
            throw TransformError("crop: the window \(width)x\(height) at (top \(top), left \(left)) does not fit the \(w)x\(h) input")
        }
        return .image(height: height, width: width, channels: c)
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        try sample.replaceImage { source, destination, _ throws(TransformError) in
            try PadCrop.apply(source, top: top, left: left, height: height, width: width, into: &destination)
        }
    }

    public var description: String { "crop \(height)x\(width) at (\(top), \(left))" }
}

/// `pad`: borders of constant `fill`, edge, reflect or symmetric.
public struct PadTransform: Transform {
    public var commutesWithGrayToRGB: Bool { Set(fill).count == 1 }
    public var opName: String { "pad" }
    public let padding: Padding
    public let mode: PaddingMode
    public let fill: [UInt8]

    public init(padding: Padding, mode: PaddingMode = .constant, fill: [UInt8] = [0]) throws(TransformError) {
        guard !fill.isEmpty else { throw TransformError("pad: fill needs a value") }
        (self.padding, self.mode, self.fill) = (padding, mode, fill)
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        let (h, w, c) = try requireImage(input)
        if let h, let w { try padding.validate(mode: mode, height: h, width: w) }
        try checkFill(fill, channels: c)
        return .image(height: h.map { $0 + padding.top + padding.bottom }, width: w.map { $0 + padding.left + padding.right }, channels: c)
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        try sample.replaceImage { source, destination, _ throws(TransformError) in
            try PadCrop.pad(source, padding: padding, mode: mode, fill: fill, into: &destination)
        }
    }

    public var description: String { "pad \(padding.description) \(mode.rawValue)\(mode == .constant ? " fill \(fill)" : "")" }
}

func checkFill(_ fill: [UInt8], channels: Int?) throws(TransformError) {
    if let channels, fill.count != 1 && fill.count != channels {
        throw TransformError("fill has \(fill.count) values for \(channels) channels (give 1 or \(channels))")
    }
}
