import ImageCodecs
import ImageTransforms
import TensorCore
import TestSupport
import XCTest

/// One sweep over every op: the input is not changed, the output has the declared
/// shape, the same seed gives the same bytes, random ops vary with the seed; at small and odd
/// sizes (1x1, 1xN, Nx1, odd, crop = image size).
final class TransformContractTests: XCTestCase {
    static func imageOps() throws -> [any Transform] {
        [
            try ResizeTransform(size: .exact(height: 5, width: 3)),
            try ResizeTransform(size: .shorterSide(4), interpolation: .bicubic),
            try ResizeTransform(size: .shorterSide(3), interpolation: .nearest, maxSize: 6),
            try ResizeTransform(size: .exact(height: 9, width: 2), interpolation: .area),
            try ResizeTransform(size: .exact(height: 4, width: 4), interpolation: .lanczos, antialias: false),
            try CenterCropTransform(height: 3, width: 2),
            try CropTransform(top: 0, left: 0, height: 1, width: 1),
            try PadTransform(padding: Padding([1, 2, 3, 0]), mode: .edge),
            try PadTransform(padding: Padding([1]), mode: .symmetric),
            try RandomCropTransform(height: 3, width: 3, padding: Padding([2]), mode: .constant, fill: [7], padIfNeeded: true),
            try RandomCropTransform(height: 1, width: 1),
            try RandomResizedCropTransform(height: 4, width: 5),
            try FlipTransform(horizontal: true, p: 1),
            try FlipTransform(horizontal: false, p: 1),
            try GrayscaleTransform(outputChannels: 1),
            try GrayscaleTransform(outputChannels: 3),
            try RandomGrayscaleTransform(p: 1),
            try ColorJitterTransform(brightness: 0.5...1.5, contrast: 0.5...1.5, saturation: 0...2, hue: -0.5...0.5),
            try RandomToneTransform(.posterize(bits: 2), p: 1),
            try RandomToneTransform(.solarize(threshold: 100), p: 1),
            try RandomToneTransform(.autocontrast, p: 1),
            try RandomToneTransform(.equalize, p: 1),
            try GaussianBlurTransform(kernelWidth: 5, kernelHeight: 3, sigma: 0.5...2),
            try GaussianBlurTransform(kernelWidth: 15, kernelHeight: 15, sigma: 4...4),   // wider than the smaller images
            try RandomRotationTransform(degrees: -45...45, filter: .bilinear),
            try RandomRotationTransform(degrees: 30...30, filter: .bicubic, expand: true, fill: [3]),
            try RandomRotationTransform(degrees: 0...180, expand: true),
            try RandomRotationTransform(degrees: 90...90, expand: true),
            try RandomAffineTransform(degrees: -20...20, translate: (0.2, 0.1), scale: 0.8...1.2, shear: (-10...10, -5...5), filter: .bicubic, fill: [9]),
            try RandomAffineTransform(degrees: 0...0, scale: 1.5...1.5, center: (0, 0)),
            try AutoAugmentTransform(policy: .cifar10),
            try AutoAugmentTransform(policy: .svhn, filter: .bilinear, fill: [128]),
            try RandAugmentTransform(numOps: 3, magnitude: 20),
            try TrivialAugmentWideTransform(filter: .bicubic),
        ]
    }

    static func tensorOps() throws -> [any Transform] {
        [
            try NormalizeTransform(mean: [0.5], std: [0.25]),
            try RandomErasingTransform(p: 1, value: .constant([0.5])),
            try RandomErasingTransform(p: 1, scale: 0.1...0.5, value: .random),
            try GaussianNoiseTransform(sigma: 0.2),
        ]
    }

    static let sizes = [(1, 1), (1, 7), (7, 1), (5, 9), (23, 37)]

    private func run(_ op: any Transform, on image: Image<UInt8>, toFloat: Bool, seed: UInt64) throws -> SampleBuffer {
        var sample = SampleBuffer(image: image)
        var generator = SampleRNG(seed: seed, epoch: 2, index: 9)
        if toFloat { try ToFloatTransform().apply(&sample, using: &generator) }
        try op.apply(&sample, using: &generator)
        return sample
    }

    func testEveryOpKeepsItsContract() throws {
        for (height, width) in Self.sizes {
            for channels in [1, 3] {
                let image = SyntheticImages.noise(width: width, height: height, channels: channels, seed: UInt64(height * 31 + width))
                let input = SampleShape.image(height: height, width: width, channels: channels)
                for (ops, toFloat) in [(try Self.imageOps(), false), (try Self.tensorOps(), true)] {
                    for op in ops {
                        let label = "\(op) on \(height)x\(width)x\(channels)"
                        let start = toFloat ? try ToFloatTransform().outputShape(input) : input
                        let declared: SampleShape
                        do {
                            declared = try op.outputShape(start)
                        } catch {
                            // Ops may refuse an input they cannot take (reflect padding larger
                            // than a 1-pixel image); then running it must fail too.
                            XCTAssertThrowsError(try run(op, on: image, toFloat: toFloat, seed: 1), label)
                            continue
                        }
                        let copy = image
                        let first = try run(op, on: image, toFloat: toFloat, seed: 1)
                        XCTAssertEqual(image, copy, "input changed: \(label)")
                        switch declared {
                        case .image(let h, let w, let c):   // sizes that follow a random angle are nil
                            XCTAssertEqual(first.image.shape, [h ?? first.image.height, w ?? first.image.width, c!], label)
                        case .tensor(let c, let h, let w):
                            XCTAssertEqual(first.tensor.shape, [c!, h!, w!], label)
                        }
                        let again = try run(op, on: image, toFloat: toFloat, seed: 1)
                        XCTAssertEqual(first.isTensor ? again.tensor : Tensor(), first.isTensor ? first.tensor : Tensor(), label)
                        XCTAssertEqual(again.image, first.image, "same seed, different bytes: \(label)")
                    }
                }
            }
        }
    }

    func testRandomOpsDifferAcrossSamples() throws {
        let image = SyntheticImages.noise(width: 40, height: 30, channels: 3, seed: 3)
        let ops = try [RandomCropTransform(height: 20, width: 20, padding: Padding([4])), RandomResizedCropTransform(height: 16, width: 16),
                       FlipTransform(horizontal: true), RandomGrayscaleTransform(p: 0.5),
                       ColorJitterTransform(brightness: 0.5...1.5, hue: -0.2...0.2), GaussianBlurTransform(kernelWidth: 5, kernelHeight: 5),
                       RandomRotationTransform(degrees: -30...30), RandomAffineTransform(degrees: 0...0, translate: (0.3, 0.3)),
                       AutoAugmentTransform(policy: .imagenet), RandAugmentTransform(), TrivialAugmentWideTransform()] as [any Transform]
        for op in ops {
            let outputs = try (0..<8).map { try run(op, on: image, toFloat: false, seed: UInt64($0)).image }
            XCTAssertGreaterThan(Set(outputs.map(\.pixels)).count, 1, "\(op) gave the same output for 8 seeds")
        }
        for op in try Self.tensorOps() where op.isRandom {
            let outputs = try (0..<8).map { try run(op, on: image, toFloat: true, seed: UInt64($0)).tensor.values }
            XCTAssertGreaterThan(Set(outputs.map { $0.map(\.bitPattern) }).count, 1, "\(op) gave the same output for 8 seeds")
        }
    }

    func testFlippingTwiceIsTheIdentityAndCropOfTheWholeImageIsACopy() throws {
        for (height, width) in Self.sizes {
            let image = SyntheticImages.noise(width: width, height: height, channels: 3, seed: 9)
            var once = Image<UInt8>(), twice = Image<UInt8>()
            Flip.horizontal(image, into: &once)
            Flip.horizontal(once, into: &twice)
            XCTAssertEqual(twice, image)
            Flip.vertical(image, into: &once)
            Flip.vertical(once, into: &twice)
            XCTAssertEqual(twice, image)
            try PadCrop.apply(image, top: 0, left: 0, height: height, width: width, into: &once)
            XCTAssertEqual(once, image)
            var generator = SampleRNG(seed: 0, epoch: 0, index: 0)
            var sample = SampleBuffer(image: image)
            try RandomCropTransform(height: height, width: width).apply(&sample, using: &generator)   // crop = image size
            XCTAssertEqual(sample.image, image)
        }
    }

    /// The feeder's path (a resize computing only the crop after it, to_float writing a batch
    /// slot, normalize fused into it, tensor ops in place) gives the bits of running the chain
    /// on the sample and copying its tensor.
    func testChainIntoABatchSlotEqualsTheChainThenACopy() throws {
        let chains: [([any Transform], [Int])] = [
            ([try RandomCropTransform(height: 6, width: 5, padding: Padding([2])), ToFloatTransform(),
              try NormalizeTransform(mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3]),
              try RandomErasingTransform(p: 0.7, value: .random), try GaussianNoiseTransform(sigma: 0.2, clip: false)], [3, 6, 5]),
            ([ToFloatTransform(), try NormalizeTransform(mean: [0.5], std: [0.25]), try RandomErasingTransform(p: 1, value: .constant([1, 2, 3]))], [3, 6, 9]),
            ([try FlipTransform(horizontal: true, p: 0.5), ToFloatTransform(), try GaussianNoiseTransform(sigma: 0.1, clip: true)], [3, 6, 9]),
            ([ToFloatTransform(), try GaussianNoiseTransform(sigma: 0.1), try NormalizeTransform(mean: [0.1, 0.2, 0.3], std: [1, 2, 3])], [3, 6, 9]),
            // Resize then crop: the window alone (both axes filtered), or the plain path.
            ([try ResizeTransform(size: .shorterSide(5)), try RandomCropTransform(height: 4, width: 4), try FlipTransform(horizontal: true),
              ToFloatTransform()], [3, 4, 4]),
            ([try ResizeTransform(size: .exact(height: 13, width: 11), interpolation: .bicubic), try CenterCropTransform(height: 7, width: 5),
              ToFloatTransform(), try NormalizeTransform(mean: [0.5], std: [0.5])], [3, 7, 5]),
            ([try ResizeTransform(size: .exact(height: 6, width: 4)), try RandomCropTransform(height: 3, width: 3), ToFloatTransform()], [3, 3, 3]),
            ([try ResizeTransform(size: .exact(height: 4, width: 7), interpolation: .nearest), try RandomCropTransform(height: 3, width: 3),
              ToFloatTransform()], [3, 3, 3]),
            ([try ResizeTransform(size: .shorterSide(4), interpolation: .lanczos), try RandomCropTransform(height: 4, width: 4, padding: Padding([1])),
              ToFloatTransform()], [3, 4, 4]),
            // A crop (padded with a constant or not) and flips read by to_float as a window.
            ([try RandomCropTransform(height: 5, width: 8, padding: Padding([3]), fill: [10, 20, 30]), try FlipTransform(horizontal: true),
              try FlipTransform(horizontal: false), ToFloatTransform(), try NormalizeTransform(mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3])], [3, 5, 8]),
            ([try RandomCropTransform(height: 8, width: 12, padIfNeeded: true), try FlipTransform(horizontal: true, p: 0.5), ToFloatTransform()], [3, 8, 12]),
            ([try RandomCropTransform(height: 6, width: 9, padding: Padding([2]), mode: .reflect), try FlipTransform(horizontal: true), ToFloatTransform()], [3, 6, 9]),
            ([try CenterCropTransform(height: 3, width: 7), try FlipTransform(horizontal: false, p: 0.7), ToFloatTransform()], [3, 3, 7]),
            ([try FlipTransform(horizontal: true), try FlipTransform(horizontal: true), ToFloatTransform()], [3, 6, 9]),
        ]
        try checkChainsIntoASlot(chains, input: SyntheticImages.noise(width: 9, height: 6, channels: 3, seed: 3))
        // Wide enough for to_float's vector loads, edges and tails; and a gray image where the
        // chain takes gray for RGB (its tensor must be that of the RGB copy).
        let wide: [([any Transform], [Int])] = [
            ([try RandomCropTransform(height: 29, width: 37, padding: Padding([4])), try FlipTransform(horizontal: true), ToFloatTransform(),
              try NormalizeTransform(mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3]), try GaussianNoiseTransform(sigma: 0.1, clip: false)], [3, 29, 37]),
            ([try RandomCropTransform(height: 20, width: 33, padding: Padding([1, 0, 9, 2])), try FlipTransform(horizontal: true),
              try FlipTransform(horizontal: false), ToFloatTransform()], [3, 20, 33]),
            ([ToFloatTransform(), try NormalizeTransform(mean: [0.5], std: [0.3])], [3, 29, 37]),
            ([try RandomGrayscaleTransform(p: 0.5), try FlipTransform(horizontal: true), ToFloatTransform()], [3, 29, 37]),
            ([try ColorJitterTransform(brightness: 0.6...1.4, contrast: 0.6...1.4, saturation: 0.6...1.4, hue: -0.1...0.1), ToFloatTransform()],
             [3, 29, 37]),
            ([try RandomToneTransform(.equalize), try RandomToneTransform(.autocontrast), try RandomToneTransform(.solarize(threshold: 90)),
              try RandomToneTransform(.posterize(bits: 4)), ToFloatTransform()], [3, 29, 37]),
            ([try GaussianBlurTransform(kernelWidth: 7, kernelHeight: 5), try RandomRotationTransform(degrees: -40...40, filter: .bilinear, fill: [60]),
              try RandomAffineTransform(degrees: -10...10, translate: (0.1, 0.1), scale: 0.9...1.1, shear: (-8...8, nil), filter: .bicubic),
              ToFloatTransform()], [3, 29, 37]),
        ]
        try checkChainsIntoASlot([([try AutoAugmentTransform(policy: .cifar10), try TrivialAugmentWideTransform(), ToFloatTransform()], [3, 29, 37])],
                                 input: SyntheticImages.noise(width: 37, height: 29, channels: 3, seed: 6))
        try checkChainsIntoASlot(wide, input: SyntheticImages.noise(width: 37, height: 29, channels: 3, seed: 4))
        let gray = SyntheticImages.noise(width: 37, height: 29, channels: 1, seed: 5)
        var rgb = Image<UInt8>()
        ColorConversion.grayToRGB(gray, into: &rgb)
        for (transforms, _) in wide { XCTAssertTrue(FeederChain(TransformChain(transforms)).takesGrayForRGB) }
        try checkChainsIntoASlot(wide, input: rgb, directInput: gray)
    }

    func testAFillThatDoesNotFitTheImageIsAnErrorIntoASlotToo() throws {
        let chain = TransformChain([try RandomCropTransform(height: 4, width: 4, padding: Padding([1]), fill: [1, 2, 3]), ToFloatTransform()])
        let gray = SyntheticImages.noise(width: 6, height: 5, channels: 1, seed: 6)
        var generator = SampleRNG(seed: 0, epoch: 0, index: 0)
        var plain = SampleBuffer(image: gray), direct = SampleBuffer(image: gray)
        XCTAssertThrowsError(try chain.apply(&plain, using: &generator))
        var slot = [Float](repeating: 0, count: 16)
        XCTAssertThrowsError(try slot.withUnsafeMutableBufferPointer { try FeederChain(chain).apply(&direct, using: &generator, into: $0, shape: [1, 4, 4]) })
    }

    /// Each chain into a slot (`FeederChain.apply(_:using:into:shape:)`, from `directInput` if given) gives
    /// the bits and draws of the chain then a copy (from `input`).
    func checkChainsIntoASlot(_ chains: [([any Transform], [Int])], input: Image<UInt8>, directInput: Image<UInt8>? = nil,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        for (number, (transforms, shape)) in chains.enumerated() {
            let chain = TransformChain(transforms)
            for index in 0..<20 {
                var plain = SampleBuffer(image: input), direct = SampleBuffer(image: directInput ?? input)
                var first = SampleRNG(seed: 1, epoch: 2, index: UInt64(index)), second = first
                try chain.apply(&plain, using: &first)
                var slot = [Float](repeating: .nan, count: shape.reduce(1, *))
                try slot.withUnsafeMutableBufferPointer { try FeederChain(chain).apply(&direct, using: &second, into: $0, shape: shape) }
                XCTAssertEqual(plain.tensor.shape, shape, file: file, line: line)
                XCTAssertEqual(slot.map(\.bitPattern), plain.tensor.values.map(\.bitPattern), "chain \(number), sample \(index)", file: file, line: line)
                XCTAssertEqual(first.next(), second.next(), "chain \(number): the same draws", file: file, line: line)
            }
        }
    }

    func testSampleGeneratorsAreIndependentOfOrderAndDistinct() {
        var a = SampleRNG(seed: 1, epoch: 2, index: 3), b = SampleRNG(seed: 1, epoch: 2, index: 3)
        XCTAssertEqual((0..<4).map { _ in a.next() }, (0..<4).map { _ in b.next() })
        let firsts = Set([(1, 2, 3), (1, 3, 2), (2, 1, 3), (1, 2, 4), (0, 0, 0), (0, 0, 1)].map { key -> UInt64 in
            var generator = SampleRNG(seed: UInt64(key.0), epoch: UInt64(key.1), index: UInt64(key.2))
            return generator.next()
        })
        XCTAssertEqual(firsts.count, 6)
    }
}
