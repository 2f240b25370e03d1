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
        let raw = UnsafeRawPointer(base)
        // Vector blocks of 16 * channels bytes: lane j of vector k always holds channel
        // (16k + j) % channels, so lanes can be summed per channel when flushing.
        let blockBytes = 16 &* channels
        let blocks = samples.count / blockBytes
        var block = 0
        while block < blocks {
            let end = min(blocks, block &+ 256)   // 256 * 255 fits the 16-bit lane sums
            if channels == 1 {
                accumulateGray(raw, from: block, to: end)
            } else {
                accumulateRGB(raw, from: block, to: end)
            }
            block = end
        }
        for index in (blocks &* blockBytes)..<samples.count {
            let channel = index % channels
            let value = samples[index]
            sum[channel] &+= UInt64(value)
            sumOfSquares[channel] &+= UInt64(value) &* UInt64(value)
            minimum[channel] = min(minimum[channel], value)
            maximum[channel] = max(maximum[channel], value)
        }
    }

    @inline(__always)
    private mutating func accumulateGray(_ raw: UnsafeRawPointer, from first: Int, to end: Int) {
        var sums = SIMD16<UInt16>()
        var squares = SIMD16<UInt32>()
        var low = SIMD16<UInt8>(repeating: 255)
        var high = SIMD16<UInt8>()
        for block in first..<end {
            let bytes = raw.loadUnaligned(fromByteOffset: block &* 16, as: SIMD16<UInt8>.self)
            let wide = SIMD16<UInt16>(truncatingIfNeeded: bytes)
            sums &+= wide
            squares &+= SIMD16<UInt32>(truncatingIfNeeded: wide &* wide)
            low = pointwiseMin(low, bytes)
            high = pointwiseMax(high, bytes)
        }
        sum[0] &+= UInt64(SIMD16<UInt32>(truncatingIfNeeded: sums).wrappedSum())
        sumOfSquares[0] &+= SIMD16<UInt64>(truncatingIfNeeded: squares).wrappedSum()
        minimum[0] = min(minimum[0], low.min())
        maximum[0] = max(maximum[0], high.max())
    }

    @inline(__always)
    private mutating func accumulateRGB(_ raw: UnsafeRawPointer, from first: Int, to end: Int) {
        var sums = (SIMD16<UInt16>(), SIMD16<UInt16>(), SIMD16<UInt16>())
        var squares = (SIMD16<UInt32>(), SIMD16<UInt32>(), SIMD16<UInt32>())
        var low = (SIMD16<UInt8>(repeating: 255), SIMD16<UInt8>(repeating: 255), SIMD16<UInt8>(repeating: 255))
        var high = (SIMD16<UInt8>(), SIMD16<UInt8>(), SIMD16<UInt8>())
        for block in first..<end {
            let offset = block &* 48
            let a = raw.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
            let b = raw.loadUnaligned(fromByteOffset: offset &+ 16, as: SIMD16<UInt8>.self)
            let c = raw.loadUnaligned(fromByteOffset: offset &+ 32, as: SIMD16<UInt8>.self)
            let wa = SIMD16<UInt16>(truncatingIfNeeded: a)
            let wb = SIMD16<UInt16>(truncatingIfNeeded: b)
            let wc = SIMD16<UInt16>(truncatingIfNeeded: c)
            sums.0 &+= wa
            sums.1 &+= wb
            sums.2 &+= wc
            squares.0 &+= SIMD16<UInt32>(truncatingIfNeeded: wa &* wa)
            squares.1 &+= SIMD16<UInt32>(truncatingIfNeeded: wb &* wb)
            squares.2 &+= SIMD16<UInt32>(truncatingIfNeeded: wc &* wc)
            low = (pointwiseMin(low.0, a), pointwiseMin(low.1, b), pointwiseMin(low.2, c))
            high = (pointwiseMax(high.0, a), pointwiseMax(high.1, b), pointwiseMax(high.2, c))
        }
        flush(sums.0, squares.0, low.0, high.0, vector: 0)
        flush(sums.1, squares.1, low.1, high.1, vector: 1)
        flush(sums.2, squares.2, low.2, high.2, vector: 2)
    }

    /// Adds the lanes of vector `vector` of an RGB block to their channels.
    @inline(__always)
    private mutating func flush(_ sums: SIMD16<UInt16>, _ squares: SIMD16<UInt32>, _ low: SIMD16<UInt8>,
                                _ high: SIMD16<UInt8>, vector: Int) {
        for lane in 0..<16 {
            let channel = (vector &* 16 &+ lane) % 3
            sum[channel] &+= UInt64(sums[lane])
            sumOfSquares[channel] &+= UInt64(squares[lane])
            minimum[channel] = min(minimum[channel], low[lane])
            maximum[channel] = max(maximum[channel], high[lane])
        }
    }
}
