/// Exact, mergeable per-channel totals over many images of one channel count.
///
/// Sums are 128-bit integers, so no dataset overflows them; per-image standard
/// deviations are added in fixed point (2^-40 steps), so even their average is independent of
/// the order images arrive in. Mean and std are derived once, at the end.
public struct ChannelAccumulator: Equatable, Sendable {
    static let fixedPointScale = Double(1 << 40)

    public let channels: Int
    public var images = 0
    /// Pixels per channel.
    public var pixels: UInt128 = 0
    public var sum: [UInt128]
    public var sumOfSquares: [UInt128]
    public var minimum: [Int]
    public var maximum: [Int]
    /// Sum over images of each image's population std on the [0, 1] scale, in 2^-40 units.
    public var perImageStdSum: [UInt128]

    public init(channels: Int) {
        self.channels = channels
        sum = Array(repeating: 0, count: channels)
        sumOfSquares = Array(repeating: 0, count: channels)
        minimum = Array(repeating: 255, count: channels)
        maximum = Array(repeating: 0, count: channels)
        perImageStdSum = Array(repeating: 0, count: channels)
    }

    /// Adds one image's moments (`pixelCount` pixels per channel).
    public mutating func add(_ moments: PixelMoments, pixelCount: Int) {
        precondition(moments.channels == channels, "channel count mismatch")
        guard pixelCount > 0 else { return }
        images += 1
        pixels += UInt128(UInt64(pixelCount))
        for channel in 0..<channels {
            let imageSum = moments.sum[channel], imageSquares = moments.sumOfSquares[channel]
            sum[channel] += UInt128(imageSum)
            sumOfSquares[channel] += UInt128(imageSquares)
            minimum[channel] = min(minimum[channel], Int(moments.minimum[channel]))
            maximum[channel] = max(maximum[channel], Int(moments.maximum[channel]))
            let std = Self.imageStd(count: UInt64(pixelCount), sum: imageSum, sumOfSquares: imageSquares)
            perImageStdSum[channel] += UInt128(UInt64((std * Self.fixedPointScale).rounded()))
        }
    }

    /// One image's population std on the [0, 1] scale: n q - s^2 exactly in 128 bits made of
    /// two 64-bit words (cheaper than the generic UInt128 <-> Double conversions).
    @inline(__always)
    static func imageStd(count: UInt64, sum: UInt64, sumOfSquares: UInt64) -> Double {
        let product = sumOfSquares.multipliedFullWidth(by: count)
        let square = sum.multipliedFullWidth(by: sum)
        let (low, borrow) = product.low.subtractingReportingOverflow(square.low)
        let high = product.high &- square.high &- (borrow ? 1 : 0)
        let numerator = Double(high) * 0x1p64 + Double(low)
        return numerator.squareRoot() / (Double(count) * 255)
    }

    public mutating func merge(_ other: ChannelAccumulator) {
        precondition(other.channels == channels, "channel count mismatch")
        images += other.images
        pixels += other.pixels
        for channel in 0..<channels {
            sum[channel] += other.sum[channel]
            sumOfSquares[channel] += other.sumOfSquares[channel]
            minimum[channel] = min(minimum[channel], other.minimum[channel])
            maximum[channel] = max(maximum[channel], other.maximum[channel])
            perImageStdSum[channel] += other.perImageStdSum[channel]
        }
    }

    /// Population std on the [0, 1] scale from exact integer totals of 0-255 samples:
    /// sqrt(n q - s^2) / (255 n), with the numerator computed exactly.
    static func populationStd(count: UInt128, sum: UInt128, sumOfSquares: UInt128) -> Double {
        guard count > 0 else { return 0 }
        let numerator = count * sumOfSquares - sum * sum
        return Double(numerator).squareRoot() / (Double(count) * 255)
    }
}

extension ChannelAccumulator: Codable {
    // 128-bit totals are written as decimal strings: JSON numbers above 2^53 lose digits.
    private enum CodingKeys: String, CodingKey {
        case channels, images, pixels, sum, sumOfSquares = "sum_of_squares", minimum = "min",
             maximum = "max", perImageStdSum = "per_image_std_sum_2pow40"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func big(_ text: String, _ key: CodingKeys) throws -> UInt128 {
            guard let value = UInt128(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not an integer: \(text)")
            }
            return value
        }
        func bigs(_ key: CodingKeys) throws -> [UInt128] {
            try container.decode([String].self, forKey: key).map { try big($0, key) }
        }
        channels = try container.decode(Int.self, forKey: .channels)
        images = try container.decode(Int.self, forKey: .images)
        pixels = try big(container.decode(String.self, forKey: .pixels), .pixels)
        sum = try bigs(.sum)
        sumOfSquares = try bigs(.sumOfSquares)
        minimum = try container.decode([Int].self, forKey: .minimum)
        maximum = try container.decode([Int].self, forKey: .maximum)
        perImageStdSum = try bigs(.perImageStdSum)
        guard [sum.count, sumOfSquares.count, minimum.count, maximum.count, perImageStdSum.count]
            .allSatisfy({ $0 == channels }) else {
            throw DecodingError.dataCorruptedError(forKey: .channels, in: container, debugDescription: "per-channel lists do not have \(channels) values")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channels, forKey: .channels)
        try container.encode(images, forKey: .images)
        try container.encode(String(pixels), forKey: .pixels)
        try container.encode(sum.map { String($0) }, forKey: .sum)
        try container.encode(sumOfSquares.map { String($0) }, forKey: .sumOfSquares)
        try container.encode(minimum, forKey: .minimum)
        try container.encode(maximum, forKey: .maximum)
        try container.encode(perImageStdSum.map { String($0) }, forKey: .perImageStdSum)
    }
}
