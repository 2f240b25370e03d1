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
    public mutating func measure(_ image: Image<UInt8>, path: String, className: String?) -> ImageHealth {
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
            path: path, className: className, width: image.width, height: image.height, grayscale: channels == 1,
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

    private func entropy(channels: Int) -> Double {
        var total: UInt64 = 0
        for index in 0..<(channels * 256) { total += histogram[index] }
        let sum = Double(total)
        var entropy = 0.0
        for index in 0..<(channels * 256) where histogram[index] != 0 {
            let p = Double(histogram[index]) / sum
            entropy += p * log2(p)
        }
        return -entropy
    }

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
        var edges = [Int](repeating: 0, count: 256), counts = [Int](repeating: 0, count: 256)
        let width = smallGray.width, height = smallGray.height
        smallGray.pixels.withUnsafeBufferPointer { p in
            for index in 0..<(width * height) { counts[Int(p[index])] += 1 }
            for y in 0..<height {
                for x in 0..<width {
                    let index = y * width + x
                    // Pillow copies the border, and the whole image when it is under 3x3.
                    guard width >= 3, height >= 3, y > 0, y < height - 1, x > 0, x < width - 1 else {
                        edges[Int(p[index])] += 1
                        continue
                    }
                    var neighbours = 0
                    for dy in -1...1 { for dx in -1...1 where dy != 0 || dx != 0 { neighbours += Int(p[index + dy * width + dx]) } }
                    edges[min(max(8 * Int(p[index]) - neighbours, 0), 255)] += 1
                }
            }
        }
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
        let spread = counts.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
        return (edgeStd, (spread / 256).squareRoot())
    }

    /// imagehash's `phash`: the 32x32 Lanczos image's DCT-II (unnormalised, rows then columns),
    /// its top-left 8x8 against their median.
    private mutating func perceptualHash(_ grayImage: Image<UInt8>) -> UInt64 {
        Resize.resize(grayImage, height: 32, width: 32, interpolation: .lanczos, into: &hashInput, scratch: &scratch, taps: &taps)
        var columns = [Double](repeating: 0, count: 8 * 32)   // DCT along axis 0: [u][x]
        hashInput.pixels.withUnsafeBufferPointer { p in
            for u in 0..<8 {
                for x in 0..<32 {
                    var total = 0.0
                    for y in 0..<32 { total += Double(p[y * 32 + x]) * Self.cosines[u * 32 + y] }
                    columns[u * 32 + x] = total
                }
            }
        }
        var low = [Double](repeating: 0, count: 64)
        for u in 0..<8 {
            for v in 0..<8 {
                var total = 0.0
                for x in 0..<32 { total += columns[u * 32 + x] * Self.cosines[v * 32 + x] }
                low[u * 8 + v] = total
            }
        }
        let sorted = low.sorted()
        let median = (sorted[31] + sorted[32]) / 2
        var hash: UInt64 = 0
        for index in 0..<64 where low[index] > median { hash |= 1 << UInt64(63 - index) }
        return hash
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
