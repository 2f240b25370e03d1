import Glibc
import TensorCore

/// The ops of torchvision's automatic augmentation policies (`_AutoAugmentBase`), applied to a
/// uint8 image as torchvision applies them to a PIL image, with a signed magnitude.
public enum AugmentOp: String, Sendable, CaseIterable {
    case identity = "Identity"
    case shearX = "ShearX", shearY = "ShearY"
    case translateX = "TranslateX", translateY = "TranslateY"
    case rotate = "Rotate"
    case brightness = "Brightness", color = "Color", contrast = "Contrast", sharpness = "Sharpness"
    case posterize = "Posterize", solarize = "Solarize"
    case autoContrast = "AutoContrast", equalize = "Equalize", invert = "Invert"

    /// Whether the op takes a magnitude (Identity, AutoContrast, Equalize and Invert do not).
    public var takesMagnitude: Bool {
        switch self {
        case .identity, .autoContrast, .equalize, .invert: false
        default: true
        }
    }

    /// The magnitude space of a policy: for each op, its magnitude at each of `bins` bins for an
    /// image of `width` x `height`, and whether a draw may negate it.
    public enum Space: Sendable {
        /// AutoAugment's and RandAugment's (which has no Invert).
        case standard
        /// TrivialAugmentWide's wider ranges.
        case wide

        /// The whole table (nil when the op takes no magnitude).
        public func magnitudes(_ op: AugmentOp, bins: Int, width: Int, height: Int) -> [Float]? {
            guard op.takesMagnitude else { return nil }
            return (0..<bins).map { magnitude(op, bin: $0, bins: bins, width: width, height: height) }
        }

        /// Element `bin` of the op's table, computed alone (a draw needs one value, not the table).
        public func magnitude(_ op: AugmentOp, bin: Int, bins: Int, width: Int, height: Int) -> Float {
            let wide = self == .wide
            switch op {
            case .identity, .autoContrast, .equalize, .invert: return 0
            case .shearX, .shearY: return linspace(0, wide ? 0.99 : 0.3, bins, bin)
            case .translateX: return linspace(0, wide ? 32 : Float(150.0 / 331.0 * Double(width)), bins, bin)
            case .translateY: return linspace(0, wide ? 32 : Float(150.0 / 331.0 * Double(height)), bins, bin)
            case .rotate: return linspace(0, wide ? 135 : 30, bins, bin)
            case .brightness, .color, .contrast, .sharpness: return linspace(0, wide ? 0.99 : 0.9, bins, bin)
            case .posterize:
                // (8 - arange(bins) / ((bins - 1) / d)).round().int(), in float32.
                return (8 - Float(bin) / Float(Double(bins - 1) / (wide ? 6 : 4))).rounded(.toNearestOrEven)
            case .solarize: return linspace(1, 0, bins, bin)
            }
        }

        public func isSigned(_ op: AugmentOp) -> Bool {
            switch op {
            case .shearX, .shearY, .translateX, .translateY, .rotate, .brightness, .color, .contrast, .sharpness: true
            default: false
            }
        }
    }

    /// Element `index` of torch.linspace(start, end, count) on float32 as its CPU kernel computes
    /// tables this short (element by element, its products fused into the adds): the first half
    /// start + step i, the second half end - step (count - 1 - i), step = (end - start) / (count - 1).
    static func linspace(_ start: Float, _ end: Float, _ count: Int, _ index: Int) -> Float {
        guard count > 1 else { return start }
        let step = (end - start) / Float(count - 1)
        return index < count / 2 ? start.addingProduct(step, Float(index)) : end.addingProduct(-step, Float(count - index - 1))
    }

    /// The op on `sample`'s image with `magnitude` (already signed), torchvision's
    /// `_apply_image_or_video_transform` on a PIL image.
    public func apply(_ sample: inout SampleBuffer, magnitude: Double, filter: AffineWarp.Filter, fill: [UInt8]) throws(TransformError) {
        switch self {
        case .identity:
            return
        case .shearX, .shearY:
            let degrees = atan(magnitude) * (180 / Double.pi)
            let shear = self == .shearX ? (degrees, 0.0) : (0.0, degrees)
            try sample.replaceImage { source, destination, _ in
                AffineWarp.affine(source, angle: 0, translate: (0, 0), scale: 1, shear: shear, center: (0, 0), filter: filter, fill: fill,
                                  into: &destination)
            }
        case .translateX, .translateY:
            let shift = Double(Int(magnitude))
            try sample.replaceImage { source, destination, _ in
                AffineWarp.affine(source, angle: 0, translate: self == .translateX ? (shift, 0) : (0, shift), scale: 1, shear: (0, 0),
                                  center: nil, filter: filter, fill: fill, into: &destination)
            }
        case .rotate:
            try sample.replaceImage { source, destination, _ in
                AffineWarp.rotate(source, degrees: magnitude, filter: filter, expand: false, center: nil, fill: fill, into: &destination)
            }
        case .brightness: ColorAdjust.brightness(&sample.image, factor: 1 + magnitude)
        case .color: ColorAdjust.saturation(&sample.image, factor: 1 + magnitude)
        case .contrast: ColorAdjust.contrast(&sample.image, factor: 1 + magnitude)
        case .sharpness: ColorAdjust.sharpness(&sample.image, factor: 1 + magnitude)
        case .posterize: RandomToneTransform.apply(.posterize(bits: Int(magnitude)), to: &sample.image)
        case .solarize: RandomToneTransform.apply(.solarize(threshold: 255 * magnitude), to: &sample.image)
        case .autoContrast: RandomToneTransform.apply(.autocontrast, to: &sample.image)
        case .equalize: RandomToneTransform.apply(.equalize, to: &sample.image)
        case .invert: ColorAdjust.invert(&sample.image)
        }
    }
}
