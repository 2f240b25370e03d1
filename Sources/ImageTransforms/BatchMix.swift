import Glibc
import TensorCore

/// torchvision's batch ops `MixUp` and `CutMix` on a float32 [N, C, H, W] batch: each sample
/// mixed with the one before it in the batch (the first with the last: `roll(1, 0)`), its label
/// becoming a soft target over `classes`.
public enum BatchMix: Sendable, Equatable, CustomStringConvertible {
    /// x = lam x + (1 - lam) x_previous, with lam ~ Beta(alpha, alpha).
    case mixup(alpha: Double)
    /// The previous sample's pixels pasted into a box of area about (1 - lam) of the image,
    /// lam ~ Beta(alpha, alpha), the targets weighted by the box's true area.
    case cutmix(alpha: Double)

    public static func validated(_ mix: BatchMix) throws(TransformError) -> BatchMix {
        switch mix {
        case .mixup(let alpha), .cutmix(let alpha):
            guard alpha > 0, alpha.isFinite else { throw TransformError("\(mix.name): alpha must be positive, got \(alpha)") }
        }
        return mix
    }

    public var name: String {
        switch self {
        case .mixup: "mixup"
        case .cutmix: "cutmix"
        }
    }

    public var description: String {
        switch self {
        case .mixup(let alpha), .cutmix(let alpha): "\(name) alpha=\(alpha)"
        }
    }

    /// What one batch draws: lam (float32, as torch's Beta samples), and for cutmix the box
    /// (x1, y1, x2, y2) and the weight its area leaves to each sample's own label.
    public struct Draw: Equatable, Sendable {
        public var lam: Double
        public var box: (x1: Int, y1: Int, x2: Int, y2: Int)?

        public init(lam: Double, box: (x1: Int, y1: Int, x2: Int, y2: Int)?) {
            self.lam = lam
            self.box = box
        }

        public static func == (a: Self, b: Self) -> Bool {
            a.lam == b.lam && a.box?.x1 == b.box?.x1 && a.box?.y1 == b.box?.y1 && a.box?.x2 == b.box?.x2 && a.box?.y2 == b.box?.y2
        }
    }

    /// torchvision's `make_params` for an image of `width` x `height`.
    public func draw(width: Int, height: Int, using generator: inout SampleRNG) -> Draw {
        switch self {
        case .mixup(let alpha):
            return Draw(lam: Double(Float(generator.beta(alpha, alpha))), box: nil)
        case .cutmix(let alpha):
            let lam = Double(Float(generator.beta(alpha, alpha)))
            let rx = generator.integer(upTo: width - 1), ry = generator.integer(upTo: height - 1)
            let r = 0.5 * (1 - lam).squareRoot()
            let halfWidth = Int(r * Double(width)), halfHeight = Int(r * Double(height))
            let box = (x1: max(rx - halfWidth, 0), y1: max(ry - halfHeight, 0), x2: min(rx + halfWidth, width), y2: min(ry + halfHeight, height))
            let adjusted = 1 - Double((box.x2 - box.x1) * (box.y2 - box.y1)) / Double(width * height)
            return Draw(lam: adjusted, box: box)
        }
    }

    /// Mixes `images` ([count, C, H, W] float32 values) in place and returns the soft targets
    /// [count, classes]: one_hot(labels) mixed as the images are (labels must be in 0..<classes).
    public static func apply(_ draw: Draw, images: UnsafeMutableBufferPointer<Float>, count: Int, channels: Int, height: Int, width: Int,
                             labels: [Int64], classes: Int) -> Tensor {
        let sampleSize = channels * height * width
        var last = Array(images[((count - 1) * sampleSize)..<(count * sampleSize)])   // x[N-1] before it changes
        let keep = Float(draw.lam), other = Float(1.0 - draw.lam)
        if let box = draw.box {
            // Pasting runs from the last sample down, so each reads its predecessor unchanged.
            for n in stride(from: count - 1, through: 0, by: -1) {
                last.withUnsafeBufferPointer { saved in
                    let previous = n == 0 ? saved.baseAddress! : UnsafePointer(images.baseAddress! + (n - 1) * sampleSize)
                    let target = images.baseAddress! + n * sampleSize
                    for c in 0..<channels {
                        for y in box.y1..<max(box.y1, box.y2) {
                            let row = (c * height + y) * width
                            (target + row + box.x1).update(from: previous + row + box.x1, count: max(0, box.x2 - box.x1))
                        }
                    }
                }
            }
        } else {
            for n in stride(from: count - 1, through: 0, by: -1) {
                last.withUnsafeBufferPointer { saved in
                    let previous = n == 0 ? saved.baseAddress! : UnsafePointer(images.baseAddress! + (n - 1) * sampleSize)
                    let target = images.baseAddress! + n * sampleSize
                    // torch: roll(1, 0).mul_(1 - lam).add_(x.mul(lam)), in float32.
                    for i in 0..<sampleSize { target[i] = previous[i] * other + target[i] * keep }
                }
            }
        }
        last = []
        var targets = Tensor(shape: [count, classes], values: [Float](repeating: 0, count: count * classes))
        for n in 0..<count {
            let own = Int(labels[n]), previous = Int(labels[n == 0 ? count - 1 : n - 1])
            targets.values[n * classes + previous] = 1 * other
            targets.values[n * classes + own] = targets.values[n * classes + own] + 1 * keep
        }
        return targets
    }
}
