import Foundation

extension ShardIndex {
    /// Checks what an index claims before anything trusts it (an `index.json` is a file like
    /// any other: damaged, edited, or written to mislead): the format and sizes, each shard
    /// once, a shard file inside the folder named for its rank and number, counts that fit
    /// the split, and mean/std equal to what the exact sums give.
    func validate(path: String) throws(ShardError) {
        func fail(_ message: String) -> ShardError { ShardError(path: path, message) }
        guard format == "sluice-shards-1" else { throw fail("unknown format '\(format)' (this Sluice reads sluice-shards-1)") }
        guard imageShape.count == 3, imageShape.allSatisfy({ (1...65_535).contains($0) }), imageShape[2] <= 4 else {
            throw fail("image_shape \(imageShape) is not [height, width, channels] of 1-65535 pixels and 1-4 channels")
        }
        guard samplesPerShard >= 1, totalSamples >= 0, worldSize >= 1 else {
            throw fail("samples_per_shard \(samplesPerShard), total_samples \(totalSamples) and world_size \(worldSize) must be at least 1, 0 and 1")
        }
        guard Set(ranks).count == ranks.count, ranks.allSatisfy({ (0..<worldSize).contains($0) }) else {
            throw fail("ranks \(ranks) are not distinct ranks of 0..<\(worldSize)")
        }
        var numbers = Set<Int>(), files = Set<String>()
        let channels = imageShape[2]
        for shard in shards {
            let place = "shard \(shard.number) (\(shard.file))"
            guard numbers.insert(shard.number).inserted, files.insert(shard.file).inserted else { throw fail("\(place) is listed twice") }
            let first = shard.number.multipliedReportingOverflow(by: samplesPerShard)
            guard shard.number >= 0, !first.overflow, first.partialValue < max(totalSamples, 1) else {
                throw fail("\(place): number \(shard.number) is past the split's \(totalSamples) samples")
            }
            guard (0...min(samplesPerShard, totalSamples - first.partialValue)).contains(shard.count) else {
                throw fail("\(place): \(shard.count) samples do not fit its place (at most \(min(samplesPerShard, totalSamples - first.partialValue)))")
            }
            guard (0..<worldSize).contains(shard.rank), shard.number % worldSize == shard.rank, shard.bytes > 0 else {
                throw fail("\(place): rank \(shard.rank) and size \(shard.bytes) do not fit (shard K is written by rank K % \(worldSize))")
            }
            guard Self.isInsideFolder(shard.file), (shard.file as NSString).lastPathComponent == ShardFile.name(rank: shard.rank, number: shard.number) else {
                throw fail("\(place): the file must be \(ShardFile.name(rank: shard.rank, number: shard.number)) in the index's folder (or a folder inside it)")
            }
            // Each channel's sums can be at most 255 (and 255^2) per stored pixel.
            let most = UInt128(shard.count) * UInt128(imageShape[0] * imageShape[1]) * 255
            guard shard.pixelSums.count == channels, shard.pixelSquareSums.count == channels,
                  shard.pixelSums.allSatisfy({ UInt128($0).map { $0 <= most } ?? false }),
                  shard.pixelSquareSums.allSatisfy({ UInt128($0).map { $0 <= most * 255 } ?? false }) else {
                throw fail("\(place): pixel_sums and pixel_square_sums must be \(channels) whole numbers each, at most 255 (255^2) a pixel")
            }
        }
        guard storedSamples <= totalSamples else { throw fail("the shards hold \(storedSamples) samples, more than the split's \(totalSamples)") }
        let (exactMean, exactStd) = Self.statistics(of: shards, imageShape: imageShape)
        let close = { (a: [Double], b: [Double]) in a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-9 } }
        guard close(mean, exactMean), close(std, exactStd) else {
            throw fail("mean \(mean) and std \(std) are not what the shards' pixel sums give (\(exactMean), \(exactStd))")
        }
    }

    /// A relative path that stays in its folder: no "..", no hidden or empty parts.
    static func isInsideFolder(_ file: String) -> Bool {
        let parts = file.split(separator: "/", omittingEmptySubsequences: false)
        return !file.hasPrefix("/") && !parts.isEmpty && parts.allSatisfy { !$0.isEmpty && !$0.hasPrefix(".") }
    }

    /// A decoding failure as a plain reason: which key is missing or of the wrong type.
    static func reason(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func place(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().trimmingCharacters(in: ["."])
        }
        switch error {
        case .keyNotFound(let key, let context): return "key '\(key.stringValue)' is missing at \(place(context.codingPath))"
        case .typeMismatch(let type, let context):
            let expected = type == String.self ? "text" : type == Int.self || type == UInt32.self ? "an integer" : type == Double.self ? "a number" : "a \(type)"
            return "\(place(context.codingPath)) is not \(expected)"
        case .valueNotFound(_, let context): return "\(place(context.codingPath)) is null"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not valid JSON" : "\(place(context.codingPath)) is not valid"
        @unknown default: return "not valid"
        }
    }
}
