import CSluiceKernels
import Foundation
import ImageCodecs
import ImageTransforms
import TensorCore
import TestSupport
import XCTest

/// `grayscale`, `random_grayscale`, `color_jitter` and the random tone ops (posterize, solarize,
/// autocontrast, equalize) against torchvision 0.29 on PIL images
/// (Tests/Fixtures/golden-color, made by its make_golden_color.py): byte for byte, Pillow's
/// float HSV and blends included (torchvision's tolerance for colour ops would be 1 a value).
final class ColorTransformTests: XCTestCase {
    private let folder = Fixtures.fixture("golden-color")

    private func input(_ name: String) throws -> Image<UInt8> {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.fixture("golden/inputs/" + name))))
        return try ImageDecoder().decode(bytes)
    }

    private func run(_ transform: any Transform, on image: Image<UInt8>, index: UInt64 = 0) throws -> Image<UInt8> {
        var sample = SampleBuffer(image: image)
        var generator = SampleRNG(seed: 1, epoch: 0, index: index)
        try transform.apply(&sample, using: &generator)
        return sample.image
    }

    func testOutputsAreTorchvisionsBytes() throws {
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as? [String: Any])
        let cases = try XCTUnwrap(manifest["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 18 + 9 * 5 + 6 * 5)
        var ops: [String: any Transform] = ["grayscale-1": try GrayscaleTransform(outputChannels: 1),
                                            "grayscale-3": try GrayscaleTransform(outputChannels: 3),
                                            "random_grayscale-p1": try RandomGrayscaleTransform(p: 1)]
        for (name, value) in [("brightness", 1.3), ("brightness", 0.45), ("contrast", 0.6), ("contrast", 1.6), ("saturation", 1.7),
                              ("saturation", 0.3), ("hue", 0.2), ("hue", -0.35), ("hue", 0.5)] {
            let fixed: ClosedRange<Double>? = value...value
            ops["color_jitter-\(name)-\(value)"] = try ColorJitterTransform(
                brightness: name == "brightness" ? fixed : nil, contrast: name == "contrast" ? fixed : nil,
                saturation: name == "saturation" ? fixed : nil, hue: name == "hue" ? fixed : nil)
        }
        for (name, kind) in [("random_posterize-3", RandomToneTransform.Kind.posterize(bits: 3)), ("random_posterize-7", .posterize(bits: 7)),
                             ("random_solarize-128", .solarize(threshold: 128)), ("random_solarize-200", .solarize(threshold: 200)),
                             ("random_autocontrast", .autocontrast), ("random_equalize", .equalize)] {
            ops[name] = try RandomToneTransform(kind, p: 1)
        }
        var worst = 0, differing = 0, values = 0
        for item in cases {
            let name = try XCTUnwrap(item["op"] as? String), file = try XCTUnwrap(item["expected"] as? String)
            let expected = try NumPyFile(path: folder + "/" + file)
            guard case .uint8(let reference) = expected.values else { return XCTFail("\(file): not uint8") }
            let output = try run(try XCTUnwrap(ops[name], name), on: try input(try XCTUnwrap(item["input"] as? String)))
            XCTAssertEqual(output.shape, expected.shape, file)
            guard output.pixels.count == reference.count else { continue }
            if name.hasPrefix("color_jitter") {
                for (a, b) in zip(output.pixels, reference) {
                    worst = max(worst, abs(Int(a) - Int(b)))
                    differing += a == b ? 0 : 1
                }
                values += reference.count
            } else {
                XCTAssertEqual(output.pixels, reference, file)
            }
        }
        XCTAssertEqual(worst, 0, "color_jitter: \(differing) of \(values) values differ")
    }

    /// `random_grayscale` turns about p of the samples gray (one draw each), the others untouched.
    func testRandomGrayscaleHappensWithProbabilityP() throws {
        let image = SyntheticImages.noise(width: 8, height: 8, channels: 3, seed: 3)
        let transform = try RandomGrayscaleTransform(p: 0.3)
        var gray = 0
        for index in 0..<4000 {
            let output = try run(transform, on: image, index: UInt64(index))
            XCTAssertEqual(output.shape, image.shape)
            if output != image {
                gray += 1
                XCTAssertEqual(output, try run(GrayscaleTransform(outputChannels: 3), on: image))
            }
        }
        XCTAssertEqual(Double(gray) / 4000, 0.3, accuracy: 0.03)   // 4.1 standard deviations
        XCTAssertEqual(try run(RandomGrayscaleTransform(p: 0), on: image), image)
    }

    /// color_jitter's draws: every order of the four adjustments equally likely (chi-square, 23
    /// degrees of freedom), each factor uniform on its range (Kolmogorov-Smirnov), as torchvision's
    /// randperm(4) and uniform_.
    func testColorJitterDrawsOrdersAndFactorsAsTorchvision() throws {
        let transform = try ColorJitterTransform(brightness: 0.6...1.4, contrast: 0.2...1.8, saturation: nil, hue: -0.1...0.1)
        var orders: [[Int]: Int] = [:], brightness: [Double] = [], hue: [Double] = []
        let count = 24_000
        for index in 0..<count {
            var generator = SampleRNG(seed: 7, epoch: 1, index: UInt64(index))
            let (order, factors) = transform.parameters(using: &generator)
            orders[order, default: 0] += 1
            XCTAssertNil(factors[2])
            brightness.append(try XCTUnwrap(factors[0]))
            hue.append(try XCTUnwrap(factors[3]))
        }
        XCTAssertEqual(orders.count, 24)
        let expected = Double(count) / 24
        let chiSquare = orders.values.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        XCTAssertLessThan(chiSquare, 49.7)   // p = 0.001 for 23 degrees of freedom
        for (values, range) in [(brightness, 0.6...1.4), (hue, -0.1...0.1)] {
            let sorted = values.sorted()
            var statistic = 0.0
            for (rank, value) in sorted.enumerated() {
                let cdf = (value - range.lowerBound) / (range.upperBound - range.lowerBound)
                statistic = max(statistic, abs(cdf - Double(rank) / Double(count)), abs(cdf - Double(rank + 1) / Double(count)))
            }
            XCTAssertLessThan(statistic, 1.95 / Double(count).squareRoot())   // p = 0.001
            XCTAssertTrue(sorted.first! >= range.lowerBound && sorted.last! <= range.upperBound)
        }
    }

    func testShapesAndBadParameters() throws {
        XCTAssertEqual(try ColorJitterTransform.range(around: 0.4), 0.6...1.4)
        XCTAssertEqual(try ColorJitterTransform.range(around: 1.5), 0...2.5)
        XCTAssertEqual(try ColorJitterTransform.range(around: 0.2, hue: true), -0.2...0.2)
        XCTAssertThrowsError(try ColorJitterTransform(hue: -0.6...0.1))
        XCTAssertThrowsError(try ColorJitterTransform(brightness: -0.1...1))
        XCTAssertNil(try ColorJitterTransform(brightness: 1...1).brightness)
        XCTAssertEqual(try GrayscaleTransform(outputChannels: 1).outputShape(.image(height: 5, width: 6, channels: 3)),
                       .image(height: 5, width: 6, channels: 1))
        XCTAssertEqual(try GrayscaleTransform(outputChannels: 3).outputShape(.image(height: 5, width: 6, channels: nil)),
                       .image(height: 5, width: 6, channels: 3))
        XCTAssertThrowsError(try GrayscaleTransform(outputChannels: 2))
        XCTAssertThrowsError(try RandomGrayscaleTransform(p: 1.5))
        XCTAssertThrowsError(try GrayscaleTransform().outputShape(.tensor(channels: 3, height: 4, width: 4)))
    }

    /// The hue kernel against Pillow's per-pixel conversions written out here: every 8-bit colour
    /// at one shift, then a grid of 970,299 colours (every third value of each channel, and 1, 4,
    /// ..., 37 for the dark ones) at five shifts, in both vector widths (AVX2, and AVX-512 where
    /// the CPU has it).
    func testHueShiftEqualsPillowsConversionsPixelByPixel() throws {
        defer { sl_kernels_avoid_avx512(0) }
        func toHSV(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (UInt8, UInt8, UInt8) {
            let maxc = max(r, g, b), minc = min(r, g, b)
            guard maxc != minc else { return (0, 0, maxc) }
            let range = Float(maxc - minc), s = range / Float(maxc)
            let rc = Float(maxc - r) / range, gc = Float(maxc - g) / range, bc = Float(maxc - b) / range
            let h: Float = r == maxc ? bc - gc : g == maxc ? Float(2 + Double(rc) - Double(bc)) : Float(4 + Double(gc) - Double(rc))
            let turn = Float(fmod(Double(h) / 6 + 1, 1))
            return (UInt8(min(max(Int(Double(turn) * 255), 0), 255)), UInt8(min(max(Int(Double(s) * 255), 0), 255)), maxc)
        }
        func toRGB(_ h: UInt8, _ s: UInt8, _ v: UInt8) -> (UInt8, UInt8, UInt8) {
            guard s != 0 else { return (v, v, v) }
            func clip(_ value: Double) -> UInt8 { UInt8(min(max(Int(value.rounded()), 0), 255)) }
            let sector = Int((Double(h) * 6 / 255).rounded(.down))
            let f = Float(Double(h) * 6 / 255 - Double(sector)), fs = Float(s) / 255
            let p = clip(Double(v) * (1 - Double(fs))), q = clip(Double(v) * (1 - Double(fs * f))), t = clip(Double(v) * (1 - Double(fs * (1 - f))))
            switch sector % 6 {
            case 0: return (v, t, p)
            case 1: return (q, v, p)
            case 2: return (p, v, t)
            case 3: return (p, q, v)
            case 4: return (t, p, v)
            default: return (v, p, q)
            }
        }
        // Every 8-bit colour at one shift, a red level at a time, in both widths: the kernel's
        // float shortcuts for Pillow's double steps hold on the whole input domain.
        let everyShift = UInt8(truncatingIfNeeded: Int32(0.37 * 255))
        var allDiffering = 0
        for r in 0..<256 {
            var plane = [UInt8](repeating: 0, count: 3 * 65536)
            for index in 0..<65536 { plane[3 * index] = UInt8(r); plane[3 * index + 1] = UInt8(index >> 8); plane[3 * index + 2] = UInt8(index & 255) }
            var expected = plane
            for index in 0..<65536 {
                var (h, s, v) = toHSV(plane[3 * index], plane[3 * index + 1], plane[3 * index + 2])
                h &+= everyShift
                (expected[3 * index], expected[3 * index + 1], expected[3 * index + 2]) = toRGB(h, s, v)
            }
            for avoid in [Int32(0), 1] {
                sl_kernels_avoid_avx512(avoid)
                var shifted = Image(width: 65536, height: 1, channels: 3, pixels: plane)
                ColorAdjust.hue(&shifted, factor: 0.37)
                if shifted.pixels != expected { allDiffering += 1 }
            }
        }
        sl_kernels_avoid_avx512(0)
        XCTAssertEqual(allDiffering, 0, "hue 0.37 on every colour: \(allDiffering) of 512 red planes (both widths) differ")
        let levels = (0..<256).filter { $0 % 3 == 0 || $0 % 3 == 1 && $0 < 40 }
        var pixels: [UInt8] = []
        for r in levels { for g in levels { for b in levels { pixels += [UInt8(r), UInt8(g), UInt8(b)] } } }
        let image = Image(width: pixels.count / 3, height: 1, channels: 3, pixels: pixels)
        for (avoid, factor) in [0, 1].flatMap({ avoid in [-0.5, -0.21, 0.004, 0.1, 0.37].map { (avoid, $0) } }) {
            sl_kernels_avoid_avx512(Int32(avoid))
            var shifted = image
            ColorAdjust.hue(&shifted, factor: factor)
            let shift = UInt8(truncatingIfNeeded: Int32(factor * 255))
            var differing = 0
            for i in 0..<(pixels.count / 3) {
                var (h, s, v) = toHSV(pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2])
                h &+= shift
                let (r, g, b) = toRGB(h, s, v)
                if (r, g, b) != (shifted.pixels[3 * i], shifted.pixels[3 * i + 1], shifted.pixels[3 * i + 2]) { differing += 1 }
            }
            XCTAssertEqual(differing, 0, "hue \(factor), AVX-512 avoided \(avoid): \(differing) of \(pixels.count / 3) pixels differ")
        }
    }

    /// Brightness, contrast and colour (saturation) against Pillow's blend written out here, value
    /// by value, for factors inside and outside [0, 1], on sizes that leave a partial vector, in
    /// both vector widths.
    func testBlendsEqualPillowsArithmeticValueByValue() {
        defer { sl_kernels_avoid_avx512(0) }
        func blend(_ first: Int, _ second: UInt8, _ alpha: Float) -> UInt8 {
            let value = Float(first) + alpha * Float(Int(second) - first)
            if alpha >= 0 && alpha <= 1 { return UInt8(Int(value)) }
            return value <= 0 ? 0 : value >= 255 ? 255 : UInt8(value)
        }
        func luma(_ p: ArraySlice<UInt8>) -> Int {
            (Int(p[p.startIndex]) * 19595 + Int(p[p.startIndex + 1]) * 38470 + Int(p[p.startIndex + 2]) * 7471 + 0x8000) >> 16
        }
        for avoid in [Int32(0), 1] {
            sl_kernels_avoid_avx512(avoid)
            for (width, height) in [(1, 1), (5, 3), (37, 29)] {
                let image = SyntheticImages.noise(width: width, height: height, channels: 3, seed: UInt64(width))
                let values = image.pixels
                for factor in [0.0, 0.37, 0.999, 1.0, 1.4, 2.5, -0.2] {
                    let alpha = Float(factor)
                    var bright = image, contrasted = image, saturated = image
                    ColorAdjust.brightness(&bright, factor: factor)
                    XCTAssertEqual(bright.pixels, values.map { blend(0, $0, alpha) }, "brightness \(factor) \(width)x\(height)")
                    let mean = Int(Double((0..<(width * height)).reduce(0) { $0 + luma(values[(3 * $1)...]) }) / Double(width * height) + 0.5)
                    ColorAdjust.contrast(&contrasted, factor: factor)
                    XCTAssertEqual(contrasted.pixels, values.map { blend(mean, $0, alpha) }, "contrast \(factor) \(width)x\(height)")
                    ColorAdjust.saturation(&saturated, factor: factor)
                    XCTAssertEqual(saturated.pixels, values.indices.map { blend(luma(values[(3 * ($0 / 3))...]), values[$0], alpha) },
                                   "saturation \(factor) \(width)x\(height)")
                }
            }
        }
    }
}
