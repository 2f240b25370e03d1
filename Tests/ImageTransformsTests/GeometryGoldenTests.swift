import CSluiceKernels
import Foundation
import ImageCodecs
import ImageTransforms
import TensorCore
import TestSupport
import XCTest

/// `gaussian_blur`, `random_rotation` and `random_affine` against torchvision 0.29 on PIL images
/// (Tests/Fixtures/golden-geometry, made by its make_golden_geometry.py): rotations and affine maps
/// byte for byte (Pillow's engines, step for step), the blur within 1 a value (torch sums its 2-D
/// kernel in another order than the two float32 passes); and the draws of RandomAffine and
/// GaussianBlur against 20,000 of torchvision's (Kolmogorov-Smirnov).
final class GeometryGoldenTests: XCTestCase {
    private let folder = Fixtures.fixture("golden-geometry")

    private func manifest() throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as? [String: Any])
    }

    private func input(_ name: String) throws -> Image<UInt8> {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.fixture("golden/inputs/" + name))))
        return try ImageDecoder().decode(bytes)
    }

    private func point(_ value: Any?) -> (x: Double, y: Double)? {
        guard let values = value as? [Double] else { return nil }
        return (values[0], values[1])
    }

    /// Our output for one manifest case.
    private func output(_ parameters: [String: Any], on image: Image<UInt8>) throws -> Image<UInt8> {
        var sample = SampleBuffer(image: image)
        var generator = SampleRNG(seed: 1, epoch: 0, index: 0)
        let fill = [UInt8(parameters["fill"] as? Int ?? 0)]
        let filter = AffineWarp.Filter(rawValue: parameters["interpolation"] as? String ?? "nearest")!
        switch parameters["op"] as? String {
        case "blur":
            let kernel = try XCTUnwrap(parameters["kernel"] as? [Int]), sigma = try XCTUnwrap(parameters["sigma"] as? Double)
            try GaussianBlurTransform(kernelWidth: kernel[0], kernelHeight: kernel[1], sigma: sigma...sigma).apply(&sample, using: &generator)
        case "rotate":
            let degrees = try XCTUnwrap(parameters["degrees"] as? Double)
            try RandomRotationTransform(degrees: degrees...degrees, filter: filter, expand: try XCTUnwrap(parameters["expand"] as? Bool),
                                        center: point(parameters["center"]), fill: fill).apply(&sample, using: &generator)
        default:
            let shear = try XCTUnwrap(point(parameters["shear"])), translate = try XCTUnwrap(point(parameters["translate"]))
            AffineWarp.affine(image, angle: try XCTUnwrap(parameters["angle"] as? Double), translate: translate,
                              scale: try XCTUnwrap(parameters["scale"] as? Double), shear: shear, center: point(parameters["center"]),
                              filter: filter, fill: fill, into: &sample.image)
        }
        return sample.image
    }

    func testOutputsAreTorchvisions() throws {
        let cases = try XCTUnwrap(try manifest()["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 102)
        var blurWorst = 0, blurDiffering = 0, blurValues = 0
        for item in cases {
            let file = try XCTUnwrap(item["expected"] as? String), parameters = try XCTUnwrap(item["parameters"] as? [String: Any])
            let expected = try NumPyFile(path: folder + "/" + file)
            guard case .uint8(let reference) = expected.values else { return XCTFail("\(file): not uint8") }
            let result = try output(parameters, on: try input(try XCTUnwrap(item["input"] as? String)))
            XCTAssertEqual(result.shape, expected.shape, file)
            guard result.pixels.count == reference.count else { continue }
            if parameters["op"] as? String == "blur" {
                for (a, b) in zip(result.pixels, reference) {
                    blurWorst = max(blurWorst, abs(Int(a) - Int(b)))
                    blurDiffering += a == b ? 0 : 1
                }
                blurValues += reference.count
            } else {
                let differing = zip(result.pixels, reference).filter { $0 != $1 }.count
                XCTAssertEqual(differing, 0, "\(file): \(differing) of \(reference.count) values differ")
            }
        }
        XCTAssertLessThanOrEqual(blurWorst, 1, "gaussian_blur: \(blurDiffering) of \(blurValues) values differ")
        XCTAssertLessThan(Double(blurDiffering), 0.001 * Double(blurValues), "gaussian_blur: \(blurDiffering) of \(blurValues) values differ by 1")
    }

    private func draws(_ name: String) throws -> (entry: [String: Any], values: [Float]) {
        let entry = try XCTUnwrap((try manifest()["draws"] as? [String: Any])?[name] as? [String: Any])
        let file = try NumPyFile(path: folder + "/" + (try XCTUnwrap(entry["file"] as? String)))
        guard case .float32(let values) = file.values else { throw XCTSkip("draws are not float32") }
        return (entry, values)
    }

    func testRandomAffineDrawsFollowTorchvision() throws {
        let (entry, values) = try draws("random_affine")
        let transform = try RandomAffineTransform(degrees: -30...45, translate: (0.2, 0.1), scale: 0.7...1.3, shear: (-10...10, 5...25))
        let columns = try XCTUnwrap(entry["columns"] as? [String])
        let theirs = stride(from: 0, to: values.count, by: columns.count).map { row in (0..<columns.count).map { Double(values[row + $0]) } }
        let ours: [[Double]] = (0..<theirs.count).map { index in
            var generator = SampleRNG(seed: 5, epoch: 2, index: UInt64(index))
            let p = transform.parameters(width: 100, height: 60, using: &generator)
            return [p.angle, Double(p.translate.x), Double(p.translate.y), p.scale, p.shear.x, p.shear.y]
        }
        let critical = ParameterDistributionTests.ksCritical(ours.count, theirs.count)
        for (k, name) in columns.enumerated() {
            let statistic = ParameterDistributionTests.ksStatistic(ours.map { $0[k] }, theirs.map { $0[k] })
            XCTAssertLessThan(statistic, critical, "\(name): KS D = \(statistic)")
        }
        // Translations are whole pixels within round(0.2 x 100) and round(0.1 x 60).
        XCTAssertEqual(Set(ours.map { $0[1] }), Set(theirs.map { $0[1] }))
        XCTAssertEqual(Set(ours.map { $0[2] }), Set(theirs.map { $0[2] }))
    }

    func testGaussianBlurSigmaFollowsTorchvision() throws {
        let (_, theirs) = try draws("gaussian_blur")
        let transform = try GaussianBlurTransform(kernelWidth: 5, kernelHeight: 5, sigma: 0.1...2.0)
        let ours: [Double] = (0..<theirs.count).map { index in
            var generator = SampleRNG(seed: 3, epoch: 0, index: UInt64(index))
            return transform.sigma(using: &generator)
        }
        let statistic = ParameterDistributionTests.ksStatistic(ours, theirs.map(Double.init))
        XCTAssertLessThan(statistic, ParameterDistributionTests.ksCritical(ours.count, theirs.count))
    }

    /// A warp test's round: a noise image of 1...`input` pixels a side, RGB in even rounds and
    /// gray in odd ones, and an output size of 1...`output` a side.
    private func randomWarpSizes(round: Int, input: Int, output: Int, using generator: inout SampleRNG)
        -> (image: Image<UInt8>, outWidth: Int, outHeight: Int) {
        let width = Int.random(in: 1...input, using: &generator), height = Int.random(in: 1...input, using: &generator)
        let outWidth = Int.random(in: 1...output, using: &generator), outHeight = Int.random(in: 1...output, using: &generator)
        let image = SyntheticImages.noise(width: width, height: height, channels: round % 2 == 0 ? 3 : 1, seed: UInt64(round))
        return (image, outWidth, outHeight)
    }

    /// The nearest engine in 16.16 fixed point copies each row's inside run without testing each
    /// pixel: the same bytes as Pillow's loop (each source tested), written out here, for 400
    /// random rotations, shears, scales and shifts, including runs that start or end mid-row,
    /// reflections and outputs larger than the input.
    func testFixedPointNearestEqualsPillowsPerPixelLoop() {
        var generator = SampleRNG(seed: 7, epoch: 0, index: 0)
        for round in 0..<400 {
            let (image, outWidth, outHeight) = randomWarpSizes(round: round, input: 40, output: 60, using: &generator)
            let (channels, width, height) = (image.channels, image.width, image.height)
            let angle = Double.random(in: -Double.pi...Double.pi, using: &generator), zoom = Double.random(in: 0.3...2.5, using: &generator)
            var a = [zoom * cos(angle), zoom * sin(angle) * Double.random(in: 0.5...1.5, using: &generator), Double.random(in: -30...30, using: &generator),
                     -zoom * sin(angle), zoom * cos(angle), Double.random(in: -30...30, using: &generator)]
            if round % 7 == 0 { a[0] = -a[0] }   // a reflection
            let fill: [UInt8] = [9, 200, 77]
            var out = [UInt8](repeating: 0, count: outWidth * outHeight * channels)
            image.pixels.withUnsafeBufferPointer { input in
                sl_affine_warp(input.baseAddress, Int32(height), Int32(width), Int32(channels), a, Int32(SL_WARP_NEAREST), fill, &out,
                               Int32(outHeight), Int32(outWidth))
            }
            // Pillow's AFFINE_TRANSFORM_FIXED (the matrices here all fit its range).
            func fix(_ v: Double) -> Int32 { Int32((v * 65536 + 0.5).rounded(.down)) }
            let a0 = fix(a[0]), a1 = fix(a[1]), a3 = fix(a[3]), a4 = fix(a[4])
            var a2 = fix(a[2] + a[0] * 0.5 + a[1] * 0.5), a5 = fix(a[5] + a[3] * 0.5 + a[4] * 0.5)
            var expected = [UInt8](repeating: 0, count: outWidth * outHeight * channels)
            for y in 0..<outHeight {
                var xx = a2, yy = a5
                for x in 0..<outWidth {
                    let xin = Int(xx >> 16), yin = Int(yy >> 16), at = (y * outWidth + x) * channels
                    for c in 0..<channels {
                        expected[at + c] = xin >= 0 && xin < width && yin >= 0 && yin < height ? image.pixels[(yin * width + xin) * channels + c] : fill[c]
                    }
                    xx &+= a0
                    yy &+= a3
                }
                a2 &+= a1
                a5 &+= a4
            }
            XCTAssertEqual(out, expected, "round \(round): \(a), \(width)x\(height) -> \(outWidth)x\(outHeight)")
        }
    }

    /// The bilinear engine's AVX2 and AVX-512 variants give the same bytes (the same double
    /// operations lane by lane), for 600 random rotations, shears, scales and shifts: blocks wholly
    /// inside, wholly outside, across the image's edges and at its last pixel pair, gray and RGB,
    /// widths that leave partial blocks, and outputs larger than the input.
    func testBilinearWarpIsTheSameInBothVectorWidths() {
        defer { sl_kernels_avoid_avx512(0) }
        var generator = SampleRNG(seed: 11, epoch: 0, index: 0)
        for round in 0..<600 {
            let (image, outWidth, outHeight) = randomWarpSizes(round: round, input: 60, output: 70, using: &generator)
            let (channels, width, height) = (image.channels, image.width, image.height)
            let angle = Double.random(in: -Double.pi...Double.pi, using: &generator), zoom = Double.random(in: 0.3...1.8, using: &generator)
            let shear = round % 3 == 0 ? Double.random(in: -0.5...0.5, using: &generator) : 0
            let (c, s) = (cos(angle) * zoom, sin(angle) * zoom)
            let shift = (Double.random(in: -4...4, using: &generator), Double.random(in: -4...4, using: &generator))
            let a = [c, s + shear, Double(width) / 2 - c * Double(outWidth) / 2 - (s + shear) * Double(outHeight) / 2 + shift.0,
                     -s, c, Double(height) / 2 + s * Double(outWidth) / 2 - c * Double(outHeight) / 2 + shift.1]
            let fill: [UInt8] = [9, 99, 199]
            var outputs: [[UInt8]] = []
            for avoid in [Int32(0), 1] {
                sl_kernels_avoid_avx512(avoid)
                var out = [UInt8](repeating: 0, count: outWidth * outHeight * channels)
                sl_affine_warp(image.pixels, Int32(height), Int32(width), Int32(channels), a, Int32(SL_WARP_BILINEAR), fill,
                               &out, Int32(outHeight), Int32(outWidth))
                outputs.append(out)
            }
            let differing = zip(outputs[0], outputs[1]).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "round \(round): \(a), \(width)x\(height)x\(channels) -> \(outWidth)x\(outHeight)")
        }
    }

    /// The bilinear engine, in each vector width the CPU has, equals Pillow's per-pixel loop
    /// (bilinear_filter8 / 32RGB, written out here in doubles): 500 maps (rotations, shears,
    /// scales, shifts by eighths) on noise and on gradients with flat patches, partial blocks,
    /// outputs larger than the input, gray and RGB; then ramps built so that every exact value
    /// is an integer, which Pillow's doubles fall just below or on: the float lanes must hand
    /// those to the double path, or wrong truncations show.
    func testBilinearWarpEqualsPillowsPerPixelLoop() {
        defer { sl_kernels_avoid_avx512(0) }
        for avoid in [Int32(1), 0] {
            sl_kernels_avoid_avx512(avoid)
            checkBilinearWarpAgainstPillowsLoop()
        }
    }

    private func checkBilinearWarpAgainstPillowsLoop() {
        var generator = SampleRNG(seed: 13, epoch: 0, index: 0)
        for round in 0..<500 {
            let smooth = round % 2 == 1
            let channels = round % 5 == 4 ? 1 : 3
            let width = Int.random(in: 1...48, using: &generator), height = Int.random(in: 1...48, using: &generator)
            let outWidth = Int.random(in: 1...60, using: &generator), outHeight = Int.random(in: 1...60, using: &generator)
            var image = SyntheticImages.noise(width: width, height: height, channels: channels, seed: UInt64(round))
            if smooth {   // steps of 0 to 4 a pixel, with a flat patch
                let (sx, sy) = (Int.random(in: 0...4, using: &generator), Int.random(in: 0...4, using: &generator))
                for y in 0..<height {
                    for x in 0..<width {
                        for c in 0..<channels {
                            image.pixels[(y * width + x) * channels + c] = x < width / 3 && y < height / 2 ? UInt8(40 * c + 7)
                                : UInt8((sx * x + sy * y + 50 * c) % 256)
                        }
                    }
                }
            }
            var a: [Double]
            if smooth && round % 4 == 1 {   // a shift by eighths, maybe scaled by a power of two
                let zoom = [0.5, 1, 1, 2][Int.random(in: 0...3, using: &generator)]
                a = [zoom, 0, Double(Int.random(in: -40...40, using: &generator)) / 8, 0, zoom, Double(Int.random(in: -40...40, using: &generator)) / 8]
            } else {
                let angle = Double.random(in: -Double.pi...Double.pi, using: &generator), zoom = Double.random(in: 0.3...1.8, using: &generator)
                let shear = round % 3 == 0 ? Double.random(in: -0.5...0.5, using: &generator) : 0
                let (c, s) = (cos(angle) * zoom, sin(angle) * zoom)
                a = [c, s + shear, Double(width) / 2 - c * Double(outWidth) / 2 - (s + shear) * Double(outHeight) / 2 + Double.random(in: -4...4, using: &generator),
                     -s, c, Double(height) / 2 + s * Double(outWidth) / 2 - c * Double(outHeight) / 2 + Double.random(in: -4...4, using: &generator)]
            }
            let fill: [UInt8] = [9, 99, 199]
            var out = [UInt8](repeating: 0, count: outWidth * outHeight * channels)
            sl_affine_warp(image.pixels, Int32(height), Int32(width), Int32(channels), a, Int32(SL_WARP_BILINEAR), fill, &out,
                           Int32(outHeight), Int32(outWidth))
            let expected = Self.pillowBilinear(image, a: a, fill: fill, outWidth: outWidth, outHeight: outHeight)
            let differing = zip(out, expected).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "round \(round): \(a), \(width)x\(height)x\(channels) -> \(outWidth)x\(outHeight)")
        }
        // Ramps whose exact values are all integers: columns 0 and `step` apart stretched so that
        // dx = x / step, where Pillow's doubles fall just below or on each integer.
        for step in [255, 254, 200, 131, 100, 51, 17, 3] {
            var image = Image<UInt8>(width: 2, height: 12, channels: 3)
            for y in 0..<12 {
                image.pixels.replaceSubrange((y * 6)..<(y * 6 + 6), with: [0, UInt8(255 - step), UInt8(step), UInt8(step), 255, 0])
            }
            let a = [1 / Double(step), 0, 0.5 - 0.5 / Double(step), 0, 1, 0]
            let (outWidth, outHeight) = (step, 8)
            var out = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
            sl_affine_warp(image.pixels, 12, 2, 3, a, Int32(SL_WARP_BILINEAR), [1, 2, 3], &out, Int32(outHeight), Int32(outWidth))
            let expected = Self.pillowBilinear(image, a: a, fill: [1, 2, 3], outWidth: outWidth, outHeight: outHeight)
            XCTAssertEqual(zip(out, expected).filter { $0 != $1 }.count, 0, "ramp of \(step)")
        }
    }

    /// Pillow's generic affine loop with its bilinear filter, pixel by pixel.
    private static func pillowBilinear(_ image: Image<UInt8>, a: [Double], fill: [UInt8], outWidth: Int, outHeight: Int) -> [UInt8] {
        let (width, height, channels) = (image.width, image.height, image.channels)
        func lerp(_ p: Double, _ q: Double, _ d: Double) -> Double { p + (q - p) * d }
        func clip(_ v: Int, _ n: Int) -> Int { min(max(v, 0), n - 1) }
        func at(_ x: Int, _ y: Int, _ c: Int) -> Double { Double(image.pixels[(y * width + x) * channels + c]) }
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * channels)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                let xin = Double(x) + 0.5, yin = Double(y) + 0.5
                var xs = a[0] * xin + a[1] * yin + a[2], ys = a[3] * xin + a[4] * yin + a[5]
                let target = (y * outWidth + x) * channels
                guard xs >= 0, xs < Double(width), ys >= 0, ys < Double(height) else {
                    for c in 0..<channels { out[target + c] = fill[c] }
                    continue
                }
                xs -= 0.5
                ys -= 0.5
                let (fx, fy) = (xs.rounded(.down), ys.rounded(.down))
                let (ix, iy) = (Int(fx), Int(fy))
                let (dx, dy) = (xs - fx, ys - fy)
                let (x0, x1, row) = (clip(ix, width), clip(ix + 1, width), clip(iy, height))
                for c in 0..<channels {
                    let v1 = lerp(at(x0, row, c), at(x1, row, c), dx)
                    let v2 = iy + 1 >= 0 && iy + 1 < height ? lerp(at(x0, iy + 1, c), at(x1, iy + 1, c), dx) : v1
                    out[target + c] = UInt8(lerp(v1, v2, dy))
                }
            }
        }
        return out
    }

    /// The blur's AVX2 and AVX-512 variants give the same bytes (fused multiply-adds in tap
    /// order in both), on sizes that leave partial vectors, gray and RGB, several kernels.
    func testBlurIsTheSameInBothVectorWidths() throws {
        defer { sl_kernels_avoid_avx512(0) }
        for (width, height, channels) in [(1, 1, 3), (7, 5, 1), (37, 29, 3), (70, 33, 3), (131, 9, 1)] {
            let image = SyntheticImages.noise(width: width, height: height, channels: channels, seed: UInt64(width * height))
            for (kernelWidth, kernelHeight, sigma) in [(3, 3, 0.8), (5, 5, 1.7), (9, 3, 2.5), (1, 7, 1.1)] {
                let blur = try GaussianBlurTransform(kernelWidth: kernelWidth, kernelHeight: kernelHeight, sigma: sigma...sigma)
                var outputs: [[UInt8]] = []
                for avoid in [Int32(0), 1] {
                    sl_kernels_avoid_avx512(avoid)
                    var sample = SampleBuffer(image: image)
                    var generator = SampleRNG(seed: 1, epoch: 0, index: 0)
                    try blur.apply(&sample, using: &generator)
                    outputs.append(sample.image.pixels)
                }
                XCTAssertEqual(outputs[0], outputs[1], "\(width)x\(height)x\(channels), kernel \(kernelWidth)x\(kernelHeight)")
            }
        }
    }
}
