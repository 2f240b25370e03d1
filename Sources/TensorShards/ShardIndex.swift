import Foundation

/// `index.json` of a shard folder (docs/SHARDS.md): what every shard holds, its size and checksums,
/// the image shape, classes and the exact statistics of the stored pixels. A rank of a
/// multi-rank job writes `index-rank-RRRRR.json`; `sluice shard merge` combines them.
public struct ShardIndex: Codable, Equatable, Sendable {
    public struct Shard: Codable, Equatable, Sendable {
        /// File name, relative to the index's folder.
        public var file: String
        /// Global shard number: the shard holds samples number * samplesPerShard ..< + count.
        public var number: Int
        public var rank: Int
        public var count: Int
        public var bytes: Int
        /// CRC-32C of each tensor's data ("images", "labels", "indices").
        public var crc32c: [String: UInt32]
        /// Per channel: sum of pixel values and of their squares, as decimal strings (exact).
        public var pixelSums: [String]
        public var pixelSquareSums: [String]

        enum CodingKeys: String, CodingKey {
            case file, number, rank, count, bytes, crc32c
            case pixelSums = "pixel_sums"
            case pixelSquareSums = "pixel_square_sums"
        }
    }

    public var format = "sluice-shards-1"
    public var pipelineDigest: String
    public var split: String
    /// [H, W, C] of every stored image.
    public var imageShape: [Int]
    public var classes: [String]
    /// Samples of the whole split, and per shard.
    public var totalSamples: Int
    public var samplesPerShard: Int
    public var worldSize: Int
    /// The ranks this index covers (all of them once merged).
    public var ranks: [Int]
    public var shards: [Shard]
    /// Mean and std per channel on the [0, 1] scale, from the exact sums (for `normalize`).
    public var mean: [Double]
    public var std: [Double]

    enum CodingKeys: String, CodingKey {
        case format, split, classes, ranks, shards, mean, std
        case pipelineDigest = "pipeline_digest"
        case imageShape = "image_shape"
        case totalSamples = "total_samples"
        case samplesPerShard = "samples_per_shard"
        case worldSize = "world_size"
    }

    public init(pipelineDigest: String, split: String, imageShape: [Int], classes: [String], totalSamples: Int,
                samplesPerShard: Int, worldSize: Int, ranks: [Int], shards: [Shard]) {
        self.pipelineDigest = pipelineDigest
        self.split = split
        self.imageShape = imageShape
        self.classes = classes
        self.totalSamples = totalSamples
        self.samplesPerShard = samplesPerShard
        self.worldSize = worldSize
        self.ranks = ranks
        self.shards = shards.sorted { $0.number < $1.number }
        (mean, std) = Self.statistics(of: self.shards, imageShape: imageShape)
    }

    /// Samples stored in the listed shards.
    public var storedSamples: Int { shards.reduce(0) { $0 + $1.count } }

    /// Mean and population std per channel on the [0, 1] scale, from the shards' exact
    /// integer sums: var = (n * sum(x^2) - sum(x)^2) / (n^2 * 255^2).
    static func statistics(of shards: [Shard], imageShape: [Int]) -> ([Double], [Double]) {
        let channels = imageShape.last ?? 1
        let pixels = UInt128(shards.reduce(0) { $0 + $1.count }) * UInt128(imageShape.dropLast().reduce(1, *))
        guard pixels > 0 else { return (Array(repeating: 0, count: channels), Array(repeating: 0, count: channels)) }
        var means: [Double] = [], stds: [Double] = []
        for channel in 0..<channels {
            var sum: UInt128 = 0, squares: UInt128 = 0
            for shard in shards where channel < shard.pixelSums.count {
                sum += UInt128(shard.pixelSums[channel]) ?? 0
                squares += UInt128(shard.pixelSquareSums[channel]) ?? 0
            }
            means.append(Double(sum) / Double(pixels) / 255)
            // Exact while n * sum(x^2) fits in 128 bits (every real split), else in doubles.
            let product = squares.multipliedReportingOverflow(by: pixels), square = sum.multipliedReportingOverflow(by: sum)
            let variance = product.overflow || square.overflow
                ? max(0, Double(squares) / Double(pixels) - (Double(sum) / Double(pixels)) * (Double(sum) / Double(pixels)))
                : Double(product.partialValue >= square.partialValue ? product.partialValue - square.partialValue : 0) / (Double(pixels) * Double(pixels))
            stds.append(variance.squareRoot() / 255)
        }
        return (means, stds)
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Reads and validates an index (`validate`): what it says is then safe to act on.
    public static func read(_ path: String) throws(ShardError) -> ShardIndex {
        guard let data = FileManager.default.contents(atPath: path) else { throw ShardError(path: path, "cannot read the shard index") }
        return try decode(data, path: path)
    }

    /// An index from its JSON, validated; `path` names it in errors.
    public static func decode(_ data: Data, path: String) throws(ShardError) -> ShardIndex {
        let index: ShardIndex
        do { index = try JSONDecoder().decode(ShardIndex.self, from: data) } catch {
            throw ShardError(path: path, "not a shard index: \(reason(error))")
        }
        try index.validate(path: path)
        return index
    }
}
