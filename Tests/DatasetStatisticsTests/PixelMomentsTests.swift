import DatasetStatistics
import TestSupport
import XCTest

final class PixelMomentsTests: XCTestCase {
    /// The vector kernel equals a plain loop for every length around its block sizes.
    func testVectorKernelEqualsScalarLoop() {
        for channels in [1, 3] {
            for pixels in Array(0...70) + [255, 256, 257, 4096, 4097, 20_000] {
                let image = SyntheticImages.noise(width: pixels, height: 1, channels: channels, seed: UInt64(pixels))
                let moments = image.pixels.withUnsafeBufferPointer { PixelMoments(samples: $0, channels: channels) }
                var expected = PixelMoments(channels: channels)
                for (index, value) in image.pixels.enumerated() {
                    let channel = index % channels
                    expected.sum[channel] += UInt64(value)
                    expected.sumOfSquares[channel] += UInt64(value) * UInt64(value)
                    expected.minimum[channel] = min(expected.minimum[channel], value)
                    expected.maximum[channel] = max(expected.maximum[channel], value)
                }
                XCTAssertEqual(moments, expected, "\(pixels) pixels x \(channels)")
            }
        }
    }

    /// Long runs of 255 would overflow 16-bit lane sums without the periodic flush.
    func testSaturatedImagesDoNotOverflow() {
        for channels in [1, 3] {
            let count = 1_000_003 * channels
            let samples = [UInt8](repeating: 255, count: count)
            let moments = samples.withUnsafeBufferPointer { PixelMoments(samples: $0, channels: channels) }
            for channel in 0..<channels {
                XCTAssertEqual(moments.sum[channel], 1_000_003 * 255)
                XCTAssertEqual(moments.sumOfSquares[channel], 1_000_003 * 65025)
            }
        }
    }
}
