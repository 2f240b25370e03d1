import Foundation

/// One image's measurements for the health checks (`HealthChecks`), with cleanvision 0.3.7's
/// definitions, computed from the decoded pixels. Scores and flags are derived from these later,
/// when every image is known (duplicates and odd sizes are relative to the whole dataset).
public struct ImageHealth: Equatable, Sendable {
    /// The file, or "IDX-FILE record N" / "SHARD-FOLDER sample N" for a record.
    public var path: String
    /// The sample's place in the dataset's listing (before any split into ranks): the order of
    /// the report's images.
    public var index: Int
    /// The image's class name, when the dataset has classes.
    public var className: String?
    public var width: Int
    public var height: Int
    /// Stored with one channel (Pillow's mode "L" for 8-bit files).
    public var grayscale: Bool
    /// Pixel brightness sqrt(0.241 R^2 + 0.691 G^2 + 0.068 B^2) / 255 (gray: value / 255) at the
    /// 5th and 99th percentiles, interpolated as NumPy's `percentile`.
    public var brightness5: Double
    public var brightness99: Double
    /// Shannon entropy in bits of the image's histogram, all channels' bins together (Pillow's
    /// `Image.entropy`).
    public var entropy: Double
    /// The standard deviation of Pillow's FIND_EDGES filter over the grayscale image shrunk
    /// (bicubic) to 64 pixels on its longer side, and of that image's 256 histogram counts.
    public var edgeStd: Double
    public var histogramStd: Double
    /// The perceptual hash: DCT of the 32x32 Lanczos grayscale image, its 8x8 lowest
    /// frequencies against their median (imagehash's `phash`, hash size 8), first bit highest.
    public var phash: UInt64
    /// A 128-bit digest of the decoded pixels and their shape (exact duplicates).
    public var digest: String

    public init(path: String, index: Int, className: String?, width: Int, height: Int, grayscale: Bool, brightness5: Double,
                brightness99: Double, entropy: Double, edgeStd: Double, histogramStd: Double, phash: UInt64, digest: String) {
        self.path = path
        self.index = index
        self.className = className
        self.width = width
        self.height = height
        self.grayscale = grayscale
        self.brightness5 = brightness5
        self.brightness99 = brightness99
        self.entropy = entropy
        self.edgeStd = edgeStd
        self.histogramStd = histogramStd
        self.phash = phash
        self.digest = digest
    }
}

extension ImageHealth: Codable {
    private enum CodingKeys: String, CodingKey {
        case path, index, className = "class", width, height, grayscale, brightness5 = "brightness_p5",
             brightness99 = "brightness_p99", entropy, edgeStd = "edge_std", histogramStd = "histogram_std", phash, digest
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        index = try container.decode(Int.self, forKey: .index)
        className = try container.decodeIfPresent(String.self, forKey: .className)
        width = try container.decode(Int.self, forKey: .width)
        height = try container.decode(Int.self, forKey: .height)
        grayscale = try container.decode(Bool.self, forKey: .grayscale)
        brightness5 = try container.decode(Double.self, forKey: .brightness5)
        brightness99 = try container.decode(Double.self, forKey: .brightness99)
        entropy = try container.decode(Double.self, forKey: .entropy)
        edgeStd = try container.decode(Double.self, forKey: .edgeStd)
        histogramStd = try container.decode(Double.self, forKey: .histogramStd)
        let hash = try container.decode(String.self, forKey: .phash)
        guard let value = UInt64(hash, radix: 16) else {
            throw DecodingError.dataCorruptedError(forKey: .phash, in: container, debugDescription: "not a 16-digit hex hash: \(hash)")
        }
        phash = value
        digest = try container.decode(String.self, forKey: .digest)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(index, forKey: .index)
        try container.encodeIfPresent(className, forKey: .className)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(grayscale, forKey: .grayscale)
        try container.encode(brightness5, forKey: .brightness5)
        try container.encode(brightness99, forKey: .brightness99)
        try container.encode(entropy, forKey: .entropy)
        try container.encode(edgeStd, forKey: .edgeStd)
        try container.encode(histogramStd, forKey: .histogramStd)
        try container.encode(ImageHealth.hex(phash), forKey: .phash)
        try container.encode(digest, forKey: .digest)
    }

    /// `value` as 16 lowercase hex digits, as imagehash prints a 64-bit hash.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
