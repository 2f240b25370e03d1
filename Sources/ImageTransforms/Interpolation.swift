import Glibc

/// Resampling filters, with Pillow's definitions (libImaging/Resample.c).
public enum Interpolation: String, Sendable, Codable, CaseIterable {
    case nearest
    case bilinear
    case bicubic
    /// Pillow's BOX filter: the average over each output pixel's footprint.
    case area
    case lanczos

    /// Half-width of the filter at scale 1, in input pixels.
    var support: Double {
        switch self {
        case .nearest: 0
        case .area: 0.5
        case .bilinear: 1
        case .bicubic: 2
        case .lanczos: 3
        }
    }

    /// The filter's weight at distance `x` (in output-pixel units after scaling).
    /// `cubicA` is -0.5 (Pillow, torchvision with antialias) or -0.75 (PyTorch without).
    func weight(_ x: Double, cubicA: Double = -0.5) -> Double {
        switch self {
        case .nearest:
            return 0
        case .area:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .bilinear:
            let distance = abs(x)
            return distance < 1 ? 1 - distance : 0
        case .bicubic:
            let a = cubicA, distance = abs(x)
            if distance < 1 { return ((a + 2) * distance - (a + 3)) * distance * distance + 1 }
            if distance < 2 { return (((distance - 5) * distance + 8) * distance - 4) * a }
            return 0
        case .lanczos:
            func sinc(_ value: Double) -> Double {
                value == 0 ? 1 : sin(Double.pi * value) / (Double.pi * value)
            }
            return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0
        }
    }
}
