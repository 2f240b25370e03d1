import ImageCodecs

/// The figures of `sluice stats` (docs/CLI.md), derived from an exact accumulator.
///
/// Values are on the [0, 1] scale (pixel / 255). `std` is the population std over all pixels of
/// the dataset; `per_image_std_mean` is the average of per-image stds, which tutorials often
/// publish as the dataset std by mistake (it misses the variation between images).
public struct StatisticsReport: Equatable, Sendable, Encodable {
    public struct SizeSummary: Equatable, Sendable, Encodable {
        public var min: Int
        public var max: Int
        public var mean: Double
    }

    public var images: Int
    public var failed: [StatisticsAccumulator.Failure]
    public var channels: Int
    public var pixels: UInt128
    public var mean: [Double]
    public var std: [Double]
    public var min: [Double]
    public var max: [Double]
    public var perImageStdMean: [Double]
    public var width: SizeSummary?
    public var height: SizeSummary?
    public var formats: [String: Int]
    public var classes: [String: Int]
    public var color: ColorMode
    public var otherFiles: Int
    /// The accumulator itself, so partial results can be merged exactly later.
    public var exact: StatisticsAccumulator
    /// The names `classes` gives labels 0, 1, ... (a pipeline file's `classes:`), so that a
    /// merge of partial results names them too; nil when the labels name themselves.
    public var classNames: [String]?

    public init(_ accumulator: StatisticsAccumulator) {
        exact = accumulator
        color = accumulator.color
        images = accumulator.images
        failed = accumulator.failed
        formats = accumulator.formats
        classes = accumulator.classes
        otherFiles = accumulator.otherFiles
        // --color auto: any colour image makes the dataset RGB, with gray images counted as
        // convert("RGB") would (the value in all three channels).
        var combined = accumulator.gray
        if accumulator.color == .rgb || (accumulator.color == .auto && accumulator.rgb.images > 0) {
            combined = accumulator.rgb
            let gray = accumulator.gray
            combined.images += gray.images
            combined.pixels += gray.pixels
            for channel in 0..<3 {
                combined.sum[channel] += gray.sum[0]
                combined.sumOfSquares[channel] += gray.sumOfSquares[0]
                combined.minimum[channel] = Swift.min(combined.minimum[channel], gray.minimum[0])
                combined.maximum[channel] = Swift.max(combined.maximum[channel], gray.maximum[0])
                combined.perImageStdSum[channel] += gray.perImageStdSum[0]
            }
        }
        channels = combined.channels
        pixels = combined.pixels
        let count = combined.pixels
        let empty = count == 0
        mean = combined.sum.map { empty ? 0 : Double($0) / (Double(count) * 255) }
        std = (0..<channels).map {
            ChannelAccumulator.populationStd(count: count, sum: combined.sum[$0], sumOfSquares: combined.sumOfSquares[$0])
        }
        min = combined.minimum.map { empty ? 0 : Double($0) / 255 }
        max = combined.maximum.map { empty ? 0 : Double($0) / 255 }
        perImageStdMean = combined.perImageStdSum.map {
            combined.images == 0 ? 0 : Double($0) / ChannelAccumulator.fixedPointScale / Double(combined.images)
        }
        func summary(_ range: StatisticsAccumulator.SizeRange) -> SizeSummary? {
            images == 0 ? nil : SizeSummary(min: range.min, max: range.max, mean: Double(range.total) / Double(images))
        }
        width = summary(accumulator.width)
        height = summary(accumulator.height)
    }

    private enum CodingKeys: String, CodingKey {
        case images, failed, channels, pixels, mean, std, min, max
        case perImageStdMean = "per_image_std_mean"
        case width, height, formats, classes, color, otherFiles = "other_files", exact
        case classNames = "class_names"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(images, forKey: .images)
        try container.encode(failed, forKey: .failed)
        try container.encode(channels, forKey: .channels)
        try container.encode(UInt64(clamping: pixels), forKey: .pixels)
        try container.encode(mean, forKey: .mean)
        try container.encode(std, forKey: .std)
        try container.encode(min, forKey: .min)
        try container.encode(max, forKey: .max)
        try container.encode(perImageStdMean, forKey: .perImageStdMean)
        try container.encodeIfPresent(width, forKey: .width)
        try container.encodeIfPresent(height, forKey: .height)
        try container.encode(formats, forKey: .formats)
        try container.encode(classes, forKey: .classes)
        try container.encode(color, forKey: .color)
        try container.encode(otherFiles, forKey: .otherFiles)
        try container.encode(exact, forKey: .exact)
        try container.encodeIfPresent(classNames, forKey: .classNames)
    }
}
