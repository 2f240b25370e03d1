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

    /// The magnitude space of a policy: for each op, its magnitudes for `bins` bins of an image
    /// of `width` x `height` (nil: the op takes none), and whether a draw may negate it.
    public enum Space: Sendable {
        /// AutoAugment's and RandAugment's (which has no Invert).
        case standard
        /// TrivialAugmentWide's wider ranges.
        case wide

        public func magnitudes(_ op: AugmentOp, bins: Int, width: Int, height: Int) -> [Float]? {
            let wide = self == .wide
            switch op {
            case .identity, .autoContrast, .equalize, .invert: return nil
            case .shearX, .shearY: return linspace(0, wide ? 0.99 : 0.3, bins)
            case .translateX: return linspace(0, wide ? 32 : Float(150.0 / 331.0 * Double(width)), bins)
            case .translateY: return linspace(0, wide ? 32 : Float(150.0 / 331.0 * Double(height)), bins)
            case .rotate: return linspace(0, wide ? 135 : 30, bins)
            case .brightness, .color, .contrast, .sharpness: return linspace(0, wide ? 0.99 : 0.9, bins)
            case .posterize:
                // (8 - arange(bins) / ((bins - 1) / d)).round().int(), in float32.
                let divisor = Float(Double(bins - 1) / (wide ? 6 : 4))
                return (0..<bins).map { (8 - Float($0) / divisor).rounded(.toNearestOrEven) }
            case .solarize: return linspace(1, 0, bins)
            }
        }

        public func isSigned(_ op: AugmentOp) -> Bool {
            switch op {
            case .shearX, .shearY, .translateX, .translateY, .rotate, .brightness, .color, .contrast, .sharpness: true
            default: false
            }
        }
    }

    /// torch.linspace on float32 as its CPU kernel computes tables this short (element by element,
    /// its products fused into the adds): the first half start + step i, the second half
    /// end - step (count - 1 - i), with step = (end - start) / (count - 1).
    static func linspace(_ start: Float, _ end: Float, _ count: Int) -> [Float] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (end - start) / Float(count - 1), halfway = count / 2
        return (0..<count).map { $0 < halfway ? start.addingProduct(step, Float($0)) : end.addingProduct(-step, Float(count - $0 - 1)) }
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
