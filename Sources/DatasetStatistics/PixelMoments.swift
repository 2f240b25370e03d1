/// Exact per-channel sums, sums of squares, minimum and maximum of one image's samples.
///
/// Integer arithmetic throughout: the result does not depend on summation order, so any
/// partition of a dataset over workers, ranks or runs adds up to the same figures.
public struct PixelMoments: Equatable, Sendable {
    public var channels: Int
    public var sum = SIMD4<UInt64>()
    public var sumOfSquares = SIMD4<UInt64>()
    public var minimum = SIMD4<UInt8>(repeating: 255)
    public var maximum = SIMD4<UInt8>()

    public init(channels: Int) {
        precondition(channels == 1 || channels == 3, "moments are for 1 or 3 channels")
        self.channels = channels
    }

    /// Measures interleaved 8-bit samples (HWC) with `channels` 1 or 3.
    public init(samples: UnsafeBufferPointer<UInt8>, channels: Int) {
        self.init(channels: channels)
        guard let base = samples.baseAddress, !samples.isEmpty else { return }
        // Plain loops over 32-bit lanes, which LLVM vectorises (including the stride-3 RGB
        // loads); chunks of 65,536 pixels keep the 32-bit sums of squares from overflowing.
        let pixels = samples.count / channels
        var start = 0
        while start < pixels {
            let end = Swift.min(pixels, start &+ 65_536)
            if channels == 1 {
                accumulateGray(base, from: start, to: end)
            } else {
                accumulateRGB(base, from: start, to: end)
            }
            start = end
        }
    }

    @inline(__always)
    private mutating func accumulateGray(_ samples: UnsafePointer<UInt8>, from start: Int, to end: Int) {
        var total: UInt32 = 0, squares: UInt32 = 0
        var low: UInt8 = 255, high: UInt8 = 0
        for index in start..<end {
            let value = samples[index]
            let wide = UInt32(value)
            total &+= wide
            squares &+= wide &* wide
            low = Swift.min(low, value)
            high = Swift.max(high, value)
        }
        sum[0] &+= UInt64(total)
        sumOfSquares[0] &+= UInt64(squares)
        minimum[0] = Swift.min(minimum[0], low)
        maximum[0] = Swift.max(maximum[0], high)
    }

    @inline(__always)
    private mutating func accumulateRGB(_ samples: UnsafePointer<UInt8>, from start: Int, to end: Int) {
        var red: UInt32 = 0, green: UInt32 = 0, blue: UInt32 = 0
        var redSquares: UInt32 = 0, greenSquares: UInt32 = 0, blueSquares: UInt32 = 0
        var low = (UInt8(255), UInt8(255), UInt8(255)), high = (UInt8(0), UInt8(0), UInt8(0))
        for pixel in start..<end {
            let offset = pixel &* 3
            let r = samples[offset], g = samples[offset &+ 1], b = samples[offset &+ 2]
            let wr = UInt32(r), wg = UInt32(g), wb = UInt32(b)
            red &+= wr
            green &+= wg
            blue &+= wb
            redSquares &+= wr &* wr
            greenSquares &+= wg &* wg
            blueSquares &+= wb &* wb
            low = (Swift.min(low.0, r), Swift.min(low.1, g), Swift.min(low.2, b))
            high = (Swift.max(high.0, r), Swift.max(high.1, g), Swift.max(high.2, b))
        }
        sum &+= SIMD4(UInt64(red), UInt64(green), UInt64(blue), 0)
        sumOfSquares &+= SIMD4(UInt64(redSquares), UInt64(greenSquares), UInt64(blueSquares), 0)
        minimum = pointwiseMin(minimum, SIMD4(low.0, low.1, low.2, 255))
        maximum = pointwiseMax(maximum, SIMD4(high.0, high.1, high.2, 0))
    }
}
