import CSluiceKernels
import Foundation
import ImageCodecs
import ImageTransforms
import TensorCore

/// Measures images for the health checks: one per worker, keeping its buffers and filter taps
/// from one image to the next.
public struct HealthMeasurer {
    /// The image's histogram, `channels` x 256 counts, left by the last `measure`.
    public private(set) var histogram = [UInt64](repeating: 0, count: 3 * 256)
    private var gray = Image<UInt8>()
    private var small = Image<UInt8>()
    private var smallGray = Image<UInt8>()
    private var scratch = Image<UInt8>()
    private var hashInput = Image<UInt8>()
    private var taps = Resize.Taps()
    private var keys: [UInt32] = []
    private var buckets = [UInt64](repeating: 0, count: Int(SL_BRIGHTNESS_BUCKETS))

    public init() {}

    /// Measures `image` (gray or RGB, as decoded); `histogram` then holds its counts.
    public mutating func measure(_ image: Image<UInt8>, path: String, index: Int, className: String?) -> ImageHealth {
        precondition(image.channels == 1 || image.channels == 3, "health checks are for gray or RGB images")
        precondition(image.width > 0 && image.height > 0, "empty image")
        let channels = image.channels
        for index in 0..<(channels * 256) { histogram[index] = 0 }
        if channels == 3 {
            for index in buckets.indices { buckets[index] = 0 }
            if keys.count < image.pixelCount { keys = [UInt32](repeating: 0, count: image.pixelCount) }
        }
        image.pixels.withUnsafeBufferPointer { pixels in
            histogram.withUnsafeMutableBufferPointer { counts in
                buckets.withUnsafeMutableBufferPointer { buckets in
                    keys.withUnsafeMutableBufferPointer {
                        sl_histogram(pixels.baseAddress!, image.pixelCount, Int32(channels), counts.baseAddress!,
                                     channels == 3 ? buckets.baseAddress! : nil, $0.baseAddress)
                    }
                }
            }
        }
        let (low, high) = brightnessPercentiles(image)
        if channels == 3 { ColorConversion.rgbToGray(image, into: &gray) }
        let grayImage = channels == 3 ? gray : image
        let (edgeStd, histogramStd) = blurMeasures(image)
        return ImageHealth(
            path: path, index: index, className: className, width: image.width, height: image.height, grayscale: channels == 1,
            brightness5: low, brightness99: high, entropy: entropy(channels: channels), edgeStd: edgeStd,
            histogramStd: histogramStd, phash: perceptualHash(grayImage), digest: Self.digest(image))
    }

    /// PixelMoments of the image measured last, from its histogram (exact, as the direct sums).
    public func moments(channels: Int) -> PixelMoments {
        var moments = PixelMoments(channels: channels)
        for channel in 0..<channels {
            var sum: UInt64 = 0, squares: UInt64 = 0
            var low = -1, high = 0
            for value in 0..<256 {
                let count = histogram[channel * 256 + value]
                guard count > 0 else { continue }
                if low < 0 { low = value }
                high = value
                sum += count * UInt64(value)
                squares += count * UInt64(value * value)
            }
            moments.sum[channel] = sum
            moments.sumOfSquares[channel] = squares
            moments.minimum[channel] = UInt8(max(low, 0))
            moments.maximum[channel] = UInt8(high)
        }
        return moments
    }

    // MARK: - The measurements

    /// NumPy's linear percentile of the pixel brightness at 5 and 99.
    private mutating func brightnessPercentiles(_ image: Image<UInt8>) -> (Double, Double) {
        let count = image.pixelCount
        let places = [0.05, 0.99].map { Double(count - 1) * $0 }
        let ranks = places.flatMap { place -> [UInt64] in
            let below = UInt64(place.rounded(.down))
            return [below, min(below + 1, UInt64(count - 1))]
        }
        var values = [Double](repeating: 0, count: 4)
        if image.channels == 1 {
            // Order statistics straight from the histogram.
            for (slot, rank) in ranks.enumerated() {
                var seen: UInt64 = 0, value = 0
                while seen + histogram[value] <= rank { seen += histogram[value]; value += 1 }
                values[slot] = Double(value) / 255
            }
        } else {
            var found = [UInt32](repeating: 0, count: 4)
            keys.withUnsafeMutableBufferPointer { sl_brightness_ranks($0.baseAddress!, count, buckets, ranks, 4, &found) }
            for slot in 0..<4 { values[slot] = (Double(found[slot]) / 1000).squareRoot() / 255 }
        }
        return (Self.interpolate(values[0], values[1], places[0]), Self.interpolate(values[2], values[3], places[1]))
    }

    /// NumPy's `_lerp` between neighbouring order statistics.
    private static func interpolate(_ below: Double, _ above: Double, _ place: Double) -> Double {
        let t = place - place.rounded(.down)
        let difference = above - below
        return t >= 0.5 ? above - difference * (1 - t) : below + difference * t
    }

    /// -sum of p log2 p over the bins, written as log2(n) - (sum of c log2 c) / n with c log2 c
    /// from a table for small counts (the same value to the last bits or so).
    private func entropy(channels: Int) -> Double {
        var total: UInt64 = 0
        for index in 0..<(channels * 256) { total += histogram[index] }
        let sum = Double(total)
        var weighted = 0.0
        Self.countLogs.withUnsafeBufferPointer { table in
            for index in 0..<(channels * 256) {
                let count = histogram[index]
                weighted += count < UInt64(table.count) ? table[Int(count)] : Double(count) * log2(Double(count))
            }
        }
        return max(0, log2(sum) - weighted / sum)
    }

    /// c log2 c for c < 4096 (0 for 0).
    private static let countLogs: [Double] = (0..<4096).map { $0 == 0 ? 0 : Double($0) * log2(Double($0)) }

    /// cleanvision's blurriness inputs: the image shrunk (Pillow bicubic) so that its longer
    /// side is 64, converted to gray, then the std of FIND_EDGES and of the 256 histogram counts.
    private mutating func blurMeasures(_ image: Image<UInt8>) -> (Double, Double) {
        let longer = max(image.width, image.height)
        if longer > 64 {
            // Python's w // (longer / 64), exactly: longer / 64 is a binary fraction.
            let width = max(image.width * 64 / longer, 1), height = max(image.height * 64 / longer, 1)
            Resize.resize(image, height: height, width: width, interpolation: .bicubic, into: &small, scratch: &scratch, taps: &taps)
        } else {
            small = image
        }
        if small.channels == 3 { ColorConversion.rgbToGray(small, into: &smallGray) } else { smallGray = small }
        let width = smallGray.width, height = smallGray.height
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 512) { tables in
            let counts = tables.baseAddress!, edges = counts + 256
            smallGray.pixels.withUnsafeBufferPointer { sl_edge_histograms($0.baseAddress!, Int32(width), Int32(height), counts, edges) }
            // ImageStat's variance: (sum2 - sum^2 / n) / n.
            var n = 0.0, sum = 0.0, sum2 = 0.0
            for value in 0..<256 {
                let count = Double(edges[value])
                n += count
                sum += count * Double(value)
                sum2 += count * Double(value * value)
            }
            let edgeStd = ((sum2 - sum * sum / n) / n).squareRoot()
            let mean = Double(width * height) / 256
            var spread = 0.0
            for value in 0..<256 { spread += (Double(counts[value]) - mean) * (Double(counts[value]) - mean) }
            return (edgeStd, (spread / 256).squareRoot())
        }
    }

    /// imagehash's `phash`: the 32x32 Lanczos image's DCT-II (unnormalised, rows then columns),
    /// its top-left 8x8 against their median.
    private mutating func perceptualHash(_ grayImage: Image<UInt8>) -> UInt64 {
        Resize.resize(grayImage, height: 32, width: 32, interpolation: .lanczos, into: &hashInput, scratch: &scratch, taps: &taps)
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 1024 + 256 + 64 + 64) { buffer in
            let pixels = buffer.baseAddress!, columns = pixels + 1024, low = columns + 256, sorted = low + 64
            hashInput.pixels.withUnsafeBufferPointer { for index in 0..<1024 { pixels[index] = Double($0[index]) } }
            Self.cosines.withUnsafeBufferPointer { cosines in
                // Along axis 0: columns[u][x] = sum over y of pixels[y][x] * cos[u][y] (rows in turn, so
                // the inner loop runs over contiguous x).
                for index in 0..<256 { columns[index] = 0 }
                for u in 0..<8 {
                    for y in 0..<32 {
                        let c = cosines[u * 32 + y], row = pixels + y * 32, target = columns + u * 32
                        for x in 0..<32 { target[x] += row[x] * c }
                    }
                }
                for u in 0..<8 {
                    for v in 0..<8 {
                        var total = 0.0
                        for x in 0..<32 { total += columns[u * 32 + x] * cosines[v * 32 + x] }
                        low[u * 8 + v] = total
                    }
                }
            }
            for index in 0..<64 { sorted[index] = low[index] }
            let lower = Self.select(31, in: sorted, count: 64)
            var upper = sorted[32]   // the smallest of those above the 31st
            for index in 33..<64 { upper = min(upper, sorted[index]) }
            let median = (lower + upper) / 2
            var hash: UInt64 = 0
            for index in 0..<64 where low[index] > median { hash |= 1 << UInt64(63 - index) }
            return hash
        }
    }

    /// The k-th smallest (0-based) of values[0..<count], leaving smaller ones before it and
    /// larger ones after (Hoare's selection).
    private static func select(_ k: Int, in values: UnsafeMutablePointer<Double>, count: Int) -> Double {
        var low = 0, high = count - 1
        while low < high {
            let pivot = values[(low + high) / 2]
            var i = low, j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    (values[i], values[j]) = (values[j], values[i])
                    i += 1
                    j -= 1
                }
            }
            if k <= j { high = j } else if k >= i { low = i } else { return values[k] }
        }
        return values[k]
    }

    /// 2 cos(pi k (2n + 1) / 64) for k < 8, n < 32: scipy's unnormalised DCT-II of length 32.
    private static let cosines: [Double] = (0..<8).flatMap { k in
        (0..<32).map { n in 2 * cos(Double.pi * Double(k * (2 * n + 1)) / 64) }
    }

    /// The pixels' 128-bit digest, seeded with the shape so that equal bytes of different shapes differ.
    static func digest(_ image: Image<UInt8>) -> String {
        let seed = UInt64(image.width) << 34 | UInt64(image.height) << 4 | UInt64(image.channels)
        var out: [UInt64] = [0, 0]
        image.pixels.withUnsafeBufferPointer { sl_digest128($0.baseAddress!, $0.count, seed, &out) }
        return ImageHealth.hex(out[0]) + ImageHealth.hex(out[1])
    }
}
