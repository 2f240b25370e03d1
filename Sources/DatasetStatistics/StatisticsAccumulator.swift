import ImageCodecs

/// Everything `sluice stats` measures, in exact mergeable form: the partial result a worker, a
/// rank or a run produces, and what `sluice stats merge` adds up.
public struct StatisticsAccumulator: Equatable, Sendable, Codable {
    /// A file that was not used, and why.
    public struct Failure: Equatable, Sendable, Codable, Comparable {
        public var path: String
        public var error: String
        public var kind: String

        public init(path: String, error: String, kind: String) {
            self.path = path
            self.error = error
            self.kind = kind
        }

        public init(_ error: ImageFileError) {
            self.init(path: error.path, error: error.message, kind: error.kind)
        }

        public static func < (lhs: Failure, rhs: Failure) -> Bool {
            lhs.path != rhs.path ? lhs.path.utf8.lexicographicallyPrecedes(rhs.path.utf8) : lhs.error < rhs.error
        }
    }

    /// Smallest, largest and total of a size, for `width` and `height`.
    public struct SizeRange: Equatable, Sendable, Codable {
        public var min = Int.max
        public var max = 0
        public var total: UInt128 = 0

        mutating func add(_ value: Int) {
            min = Swift.min(min, value)
            max = Swift.max(max, value)
            total += UInt128(value)
        }

        mutating func merge(_ other: SizeRange) {
            min = Swift.min(min, other.min)
            max = Swift.max(max, other.max)
            total += other.total
        }

        private enum CodingKeys: String, CodingKey { case min, max, total }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            min = try container.decode(Int.self, forKey: .min)
            max = try container.decode(Int.self, forKey: .max)
            let text = try container.decode(String.self, forKey: .total)
            guard let total = UInt128(text) else {
                throw DecodingError.dataCorruptedError(forKey: .total, in: container, debugDescription: "not an integer: \(text)")
            }
            self.total = total
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(min, forKey: .min)
            try container.encode(max, forKey: .max)
            try container.encode(String(total), forKey: .total)
        }
    }

    /// `gray` converts colour images to luma before measuring; `auto` and `rgb` keep them apart.
    public var color: ColorMode
    /// Grayscale images (and, with `color` gray, converted colour images).
    public var gray = ChannelAccumulator(channels: 1)
    /// Colour images.
    public var rgb = ChannelAccumulator(channels: 3)
    public var width = SizeRange()
    public var height = SizeRange()
    public var formats: [String: Int] = [:]
    public var classes: [String: Int] = [:]
    public var failed: [Failure] = []
    /// Non-image files skipped while walking folders.
    public var otherFiles = 0
    /// Each image's health measurements and the intensity histograms, when they were measured
    /// (`StatisticsRunner.health`).
    public var health: HealthRecords?

    /// What the health report needs beyond the figures: exact, mergeable, in path order.
    public struct HealthRecords: Equatable, Sendable, Codable {
        /// In listing order (then by path), so that any partition of a dataset merges to the
        /// same list.
        public var images: [ImageHealth] = []
        /// Counts of each value 0-255 over the gray images, and per channel over the colour ones.
        public var grayHistogram = [UInt64](repeating: 0, count: 256)
        public var rgbHistogram = [UInt64](repeating: 0, count: 3 * 256)

        public init() {}

        mutating func merge(_ other: HealthRecords) {
            images = (images + other.images).sorted {
                $0.index != $1.index ? $0.index < $1.index : $0.path.utf8.lexicographicallyPrecedes($1.path.utf8)
            }
            for index in grayHistogram.indices { grayHistogram[index] += other.grayHistogram[index] }
            for index in rgbHistogram.indices { rgbHistogram[index] += other.rgbHistogram[index] }
        }

        private enum CodingKeys: String, CodingKey {
            case images, grayHistogram = "gray_histogram", rgbHistogram = "rgb_histogram"
        }
    }

    public init(color: ColorMode) {
        self.color = color
    }

    public var images: Int { gray.images + rgb.images }

    /// Adds one measured image; its format and class are tallied by the caller
    /// (`formats`, `classes`), which can count them without hashing a string per image.
    public mutating func add(_ moments: PixelMoments, width: Int, height: Int) {
        if moments.channels == 1 {
            gray.add(moments, pixelCount: width * height)
        } else {
            rgb.add(moments, pixelCount: width * height)
        }
        self.width.add(width)
        self.height.add(height)
    }

    public enum MergeError: Error, Equatable, CustomStringConvertible {
        case colorMismatch(ColorMode, ColorMode)
        case healthMismatch
        public var description: String {
            switch self {
            case .colorMismatch(let a, let b): "cannot merge results measured with --color \(a.rawValue) and \(b.rawValue)"
            case .healthMismatch: "cannot merge results measured with and without the health checks (--checks or --report)"
            }
        }
    }

    /// Adds another partial result. Exact: merging parts equals measuring the whole.
    public mutating func merge(_ other: StatisticsAccumulator) throws(MergeError) {
        guard other.color == color else { throw .colorMismatch(color, other.color) }
        guard (health == nil) == (other.health == nil) else { throw .healthMismatch }
        if let records = other.health { health!.merge(records) }
        gray.merge(other.gray)
        rgb.merge(other.rgb)
        width.merge(other.width)
        height.merge(other.height)
        formats.merge(other.formats, uniquingKeysWith: +)
        classes.merge(other.classes, uniquingKeysWith: +)
        failed = (failed + other.failed).sorted()
        otherFiles += other.otherFiles
    }

    private enum CodingKeys: String, CodingKey {
        case color, gray, rgb, width, height, formats, classes, failed, otherFiles = "other_files", health
    }
}
