@testable import ImageTransforms
import TensorCore
import XCTest

/// The C passes against Pillow's formula written out plainly, on shapes the golden set does not
/// reach: every channel count, row counts that leave partial 8-row blocks, widths that leave
/// partial 8-byte tiles and 32-byte runs, up- and downscaling, every filter, and windows.
final class ResizeKernelTests: XCTestCase {
    /// Pillow's 8-bit resampling, one output value at a time: horizontal pass, then vertical.
    private func reference(_ source: Image<UInt8>, height: Int, width: Int, interpolation: Interpolation,
                           window: (top: Int, left: Int, height: Int, width: Int)? = nil) -> [UInt8] {
        let horizontal = Resize.Coefficients(inputSize: source.width, outputSize: width, interpolation: interpolation,
                                             antialias: true, cubicA: -0.5)
        let vertical = Resize.Coefficients(inputSize: source.height, outputSize: height, interpolation: interpolation,
                                           antialias: true, cubicA: -0.5)
        func clip(_ sum: Int) -> UInt8 { sum <= 0 ? 0 : sum >= 256 << 22 ? 255 : UInt8(sum >> 22) }
        let channels = source.channels
        var rows = [UInt8](repeating: 0, count: source.height * width * channels)
        for y in 0..<source.height {
            for x in 0..<width {
                for c in 0..<channels {
                    var sum = 1 << 21
                    for t in 0..<Int(horizontal.counts[x]) {
                        sum += Int(source.pixels[(y * source.width + Int(horizontal.starts[x]) + t) * channels + c])
                            * Int(horizontal.weights[x * horizontal.taps + t])
                    }
                    rows[(y * width + x) * channels + c] = clip(sum)
                }
            }
        }
        let area = window ?? (0, 0, height, width)
        var result: [UInt8] = []
        for y in area.top..<(area.top + area.height) {
            for x in area.left..<(area.left + area.width) {
                for c in 0..<channels {
                    var sum = 1 << 21
                    for t in 0..<Int(vertical.counts[y]) {
                        sum += Int(rows[((Int(vertical.starts[y]) + t) * width + x) * channels + c]) * Int(vertical.weights[y * vertical.taps + t])
                    }
                    result.append(clip(sum))
                }
            }
        }
        return result
    }

    /// Equal bytes, or a failure naming the first byte that differs (not two whole images).
    private func assertSame(_ actual: [UInt8], _ expected: [UInt8], _ what: String, line: UInt = #line) {
        guard actual != expected else { return }
        let first = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        XCTFail("\(what): \(actual.count) bytes for \(expected.count), first difference at \(first.map(String.init) ?? "the end")", line: line)
    }

    private func noise(height: Int, width: Int, channels: Int, seed: UInt64) -> Image<UInt8> {
        var generator = SampleRNG(seed: seed, epoch: 0, index: 0)
        var image = Image<UInt8>(width: width, height: height, channels: channels)
        for index in image.pixels.indices { image.pixels[index] = UInt8(truncatingIfNeeded: generator.next()) }
        return image
    }

    func testPassesEqualPillowsFormulaOnEveryShape() {
        var output = Image<UInt8>(), scratch = Image<UInt8>()
        let shapes = [(1, 1), (1, 9), (7, 3), (8, 8), (9, 17), (15, 33), (17, 40), (23, 70)]
        let targets = [(1, 1), (5, 3), (8, 8), (12, 31), (30, 45), (41, 2)]
        var cases = 0
        for channels in 1...4 {
            for (index, (height, width)) in shapes.enumerated() {
                let source = noise(height: height, width: width, channels: channels, seed: UInt64(channels * 100 + index))
                for (outHeight, outWidth) in targets {
                    for interpolation in [Interpolation.bilinear, .bicubic, .area, .lanczos] {
                        Resize.resize(source, height: outHeight, width: outWidth, interpolation: interpolation,
                                      into: &output, scratch: &scratch)
                        XCTAssertEqual(output.shape, [outHeight, outWidth, channels])
                        assertSame(output.pixels, reference(source, height: outHeight, width: outWidth, interpolation: interpolation),
                                   "\(height)x\(width)x\(channels) -> \(outHeight)x\(outWidth) \(interpolation)")
                        cases += 1
                    }
                }
            }
        }
        XCTAssertEqual(cases, 4 * shapes.count * targets.count * 4)
    }

    func testAWindowIsTheWindowOfTheWholeResize() {
        var output = Image<UInt8>(), scratch = Image<UInt8>(), taps = Resize.Taps()
        for channels in [1, 3] {
            let source = noise(height: 37, width: 53, channels: channels, seed: UInt64(channels))
            for (height, width, window) in [(40, 60, (3, 5, 29, 50)), (20, 25, (0, 0, 20, 25)), (20, 25, (11, 13, 9, 12))] {
                Resize.resize(source, height: height, width: width, interpolation: .bilinear, window: window,
                              into: &output, scratch: &scratch, taps: &taps)
                assertSame(output.pixels, reference(source, height: height, width: width, interpolation: .bilinear, window: window),
                           "\(channels) channels, window \(window) of \(height)x\(width)")
            }
        }
    }
}
