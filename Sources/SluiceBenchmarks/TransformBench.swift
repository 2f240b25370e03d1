import Dispatch
import Foundation
import ImageCodecs
import ImageTransforms
import TensorCore

/// `sluice bench --suite transforms`: images/s of each op on one thread, for 32x32 and 224x224
/// inputs cut from a real photo, each op run on a fresh copy of the same input with a new
/// sample generator per run (as in training).
public struct TransformBench {
    public struct Row {
        public var size: Int
        public var op: String
        public var median: Double
        public var min: Double
        public var max: Double
        /// Source megapixels per second (for resize).
        public var megapixels: Double
    }

    public let photo: String
    public let repeats: Int

    public init(photo: String, repeats: Int) {
        (self.photo, self.repeats) = (photo, repeats)
    }

    public func run() throws -> [Row] {
        let decoder = ImageDecoder(options: DecodeOptions(color: .rgb))
        var source = Image<UInt8>(), scratch = Image<UInt8>()
        _ = try decoder.decodeFile(photo, into: &source)
        var rows: [Row] = []
        for size in [32, 224] {
            let side = min(source.width, source.height)
            var square = Image<UInt8>()
            try PadCrop.centerCrop(source, height: side, width: side, into: &square)
            var input = Image<UInt8>()
            Resize.resize(square, height: size, width: size, interpolation: .bilinear, into: &input, scratch: &scratch)
            for (name, op, onTensor) in try ops(size) {
                let figures = measure(input, op: op, onTensor: onTensor)
                rows.append(Row(size: size, op: name, median: figures.median, min: figures.min, max: figures.max,
                                megapixels: figures.median * Double(size * size) / 1e6))
            }
        }
        return rows
    }

    private func ops(_ size: Int) throws -> [(String, any Transform, Bool)] {
        let smaller = size * 3 / 4
        return [
            ("resize \(size)->\(smaller) bilinear", try ResizeTransform(size: .exact(height: smaller, width: smaller)), false),
            ("resize \(size)->\(smaller) bicubic", try ResizeTransform(size: .exact(height: smaller, width: smaller), interpolation: .bicubic), false),
            ("resize \(size)->\(size * 2) bilinear", try ResizeTransform(size: .exact(height: size * 2, width: size * 2)), false),
            ("center_crop \(smaller)", try CenterCropTransform(height: smaller, width: smaller), false),
            ("pad 4 reflect", try PadTransform(padding: Padding([4]), mode: .reflect), false),
            ("random_crop \(size) padding 4", try RandomCropTransform(height: size, width: size, padding: Padding([4])), false),
            ("random_crop \(size / 2)", try RandomCropTransform(height: size / 2, width: size / 2), false),
            ("random_resized_crop \(size)", try RandomResizedCropTransform(height: size, width: size), false),
            ("horizontal_flip p=1", try FlipTransform(horizontal: true, p: 1), false),
            ("vertical_flip p=1", try FlipTransform(horizontal: false, p: 1), false),
            ("grayscale", try GrayscaleTransform(outputChannels: 1), false),
            ("color_jitter 0.4/0.4/0.4/0.1", try ColorJitterTransform(brightness: 0.6...1.4, contrast: 0.6...1.4, saturation: 0.6...1.4,
                                                                      hue: -0.1...0.1), false),
            ("color_jitter brightness 0.4", try ColorJitterTransform(brightness: 0.6...1.4), false),
            ("color_jitter contrast 0.4", try ColorJitterTransform(contrast: 0.6...1.4), false),
            ("color_jitter saturation 0.4", try ColorJitterTransform(saturation: 0.6...1.4), false),
            ("color_jitter hue 0.1", try ColorJitterTransform(hue: -0.1...0.1), false),
            ("random_posterize bits=4 p=1", try RandomToneTransform(.posterize(bits: 4), p: 1), false),
            ("random_solarize 128 p=1", try RandomToneTransform(.solarize(threshold: 128), p: 1), false),
            ("random_autocontrast p=1", try RandomToneTransform(.autocontrast, p: 1), false),
            ("random_equalize p=1", try RandomToneTransform(.equalize, p: 1), false),
            ("gaussian_blur 5 sigma 0.1-2", try GaussianBlurTransform(kernelWidth: 5, kernelHeight: 5), false),
            ("random_rotation 30 nearest", try RandomRotationTransform(degrees: -30...30), false),
            ("random_rotation 30 bilinear", try RandomRotationTransform(degrees: -30...30, filter: .bilinear), false),
            ("random_affine 15/0.1/0.9-1.1/10 bilinear", try RandomAffineTransform(degrees: -15...15, translate: (0.1, 0.1), scale: 0.9...1.1,
                                                                                  shear: (-10...10, nil), filter: .bilinear), false),
            ("auto_augment cifar10", try AutoAugmentTransform(policy: .cifar10), false),
            ("rand_augment 2/9", try RandAugmentTransform(), false),
            ("trivial_augment_wide", try TrivialAugmentWideTransform(), false),
            ("to_float", ToFloatTransform(), false),
            ("to_float + normalize", Sequence(steps: [ToFloatTransform(), try NormalizeTransform(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])]), false),
            ("normalize", try NormalizeTransform(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]), true),
            ("random_erasing p=1", try RandomErasingTransform(p: 1), true),
            ("gaussian_noise", try GaussianNoiseTransform(sigma: 0.1), true),
        ]
    }

    /// Median, min and max images/s over `repeats` timed rounds of about 0.2 s each.
    private func measure(_ input: Image<UInt8>, op: any Transform, onTensor: Bool) -> (median: Double, min: Double, max: Double) {
        var sample = SampleBuffer(image: input)
        var generator = SampleRNG(seed: 0, epoch: 0, index: 0)
        if onTensor { try? ToFloatTransform().apply(&sample, using: &generator) }
        let original = sample
        func round(_ count: Int) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            for index in 0..<count {
                // Image ops start from the same input each time; float ops work in place on a
                // tensor whose values drift, which does not change their cost.
                if !onTensor { sample.reload(original.image) }
                var generator = SampleRNG(seed: 0, epoch: 0, index: UInt64(index))
                try? op.apply(&sample, using: &generator)
            }
            return Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let calibration = round(20)
        let count = Swift.max(20, Int(calibration * 0.2))
        _ = round(count)   // warm-up
        let rates = (0..<repeats).map { _ in round(count) }.sorted()
        return (rates[rates.count / 2], rates.first!, rates.last!)
    }
}

/// Several transforms measured as one (what albumentations' Normalize does: uint8 in, float out).
private struct Sequence: Transform {
    var opName: String { "sequence" }
    let steps: [any Transform]
    func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        var shape = input
        for step in steps { shape = try step.outputShape(shape) }
        return shape
    }
    func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        for step in steps { try step.apply(&sample, using: &generator) }
    }
    var description: String { steps.map(\.description).joined(separator: " + ") }
}
