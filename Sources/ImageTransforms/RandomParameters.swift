import Glibc
import TensorCore

/// The random draws of torchvision's transforms (v2 `make_params`), from a `SampleRNG`.
/// Parameters are drawn first and kernels applied after, so a draw can be logged,
/// replayed and tested on its own.
public enum RandomParameters {
    /// A crop box: top, left, height, width.
    public struct Box: Equatable, Sendable {
        public var top: Int
        public var left: Int
        public var height: Int
        public var width: Int
        public init(top: Int, left: Int, height: Int, width: Int) {
            self.top = top
            self.left = left
            self.height = height
            self.width = width
        }
    }

    /// True with probability `p` (u ~ U[0, 1), applied when u < p).
    public static func happens(_ p: Double, using generator: inout SampleRNG) -> Bool {
        generator.uniform() < p
    }

    /// Python's `round`: to nearest, ties to even.
    @inline(__always)
    static func pythonRound(_ value: Double) -> Int { Int(value.rounded(.toNearestOrEven)) }

    /// RandomCrop offsets in a padded image: top ~ U{0..paddedHeight-height}, left likewise.
    public static func cropOffset(paddedHeight: Int, paddedWidth: Int, height: Int, width: Int,
                                  using generator: inout SampleRNG) -> (top: Int, left: Int) {
        (generator.integer(upTo: paddedHeight - height), generator.integer(upTo: paddedWidth - width))
    }

    /// One attempt of RandomResizedCrop and RandomErasing: an area fraction ~ U(scale) of
    /// `area` and an aspect ~ exp(U(log ratio)); returns (round(sqrt(a * aspect)), round(sqrt(a / aspect))).
    static func attemptSize(area: Double, scale: ClosedRange<Double>, logRatio: ClosedRange<Double>,
                            using generator: inout SampleRNG) -> (Int, Int) {
        let target = area * generator.uniform(scale.lowerBound, scale.upperBound)
        let aspect = exp(generator.uniform(logRatio.lowerBound, logRatio.upperBound))
        return (pythonRound((target * aspect).squareRoot()), pythonRound((target / aspect).squareRoot()))
    }

    /// RandomResizedCrop's box in an image of `height` x `width` (before resizing).
    public static func resizedCropBox(height: Int, width: Int, scale: ClosedRange<Double>, ratio: ClosedRange<Double>,
                                      using generator: inout SampleRNG) -> Box {
        let area = Double(height * width)
        let logRatio = log(ratio.lowerBound)...log(ratio.upperBound)
        for _ in 0..<10 {
            let (w, h) = attemptSize(area: area, scale: scale, logRatio: logRatio, using: &generator)
            if w > 0 && w <= width && h > 0 && h <= height {
                let top = generator.integer(upTo: height - h)
                let left = generator.integer(upTo: width - w)
                return Box(top: top, left: left, height: h, width: w)
            }
        }
        // Fallback: the central crop with the ratio clamped to the allowed range.
        let inputRatio = Double(width) / Double(height)
        var w = width, h = height
        if inputRatio < ratio.lowerBound {
            h = pythonRound(Double(w) / ratio.lowerBound)
        } else if inputRatio > ratio.upperBound {
            w = pythonRound(Double(h) * ratio.upperBound)
        }
        return Box(top: (height - h) / 2, left: (width - w) / 2, height: h, width: w)
    }

    /// RandomErasing's box in a `height` x `width` tensor, or nil when all 10 attempts fail
    /// (the input is then left unchanged).
    public static func erasingBox(height: Int, width: Int, scale: ClosedRange<Double>, ratio: ClosedRange<Double>,
                                  using generator: inout SampleRNG) -> Box? {
        let area = Double(height * width)
        let logRatio = log(ratio.lowerBound)...log(ratio.upperBound)
        for _ in 0..<10 {
            let (h, w) = attemptSize(area: area, scale: scale, logRatio: logRatio, using: &generator)
            guard h < height && w < width else { continue }
            let top = generator.integer(upTo: height - h)
            let left = generator.integer(upTo: width - w)
            return Box(top: top, left: left, height: h, width: w)
        }
        return nil
    }
}
