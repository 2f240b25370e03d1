import Foundation

extension ShardIndex {
    /// Combines the partial indexes of the ranks of one job (each from its folder) into the
    /// index of `output`: every rank present once, the same pipeline, shape and split. Shard
    /// paths become relative to `output`. Statistics come from the exact sums, so they equal
    /// those of a single-process run.
    public static func merge(_ parts: [(index: ShardIndex, folder: String)], into output: String) throws(ShardError) -> ShardIndex {
        guard let first = parts.first?.index else { throw ShardError(path: output, "nothing to merge") }
        var shards: [Shard] = [], ranks: [Int] = []
        for (index, folder) in parts {
            guard index.pipelineDigest == first.pipelineDigest, index.split == first.split, index.imageShape == first.imageShape,
                  index.classes == first.classes, index.totalSamples == first.totalSamples,
                  index.samplesPerShard == first.samplesPerShard, index.worldSize == first.worldSize else {
                throw ShardError(path: folder, "its index is from another job (pipeline, split, shape, classes, sizes or world size differ)")
            }
            if let repeated = index.ranks.first(where: ranks.contains) { throw ShardError(path: folder, "rank \(repeated) appears twice") }
            ranks += index.ranks
            let prefix = relativePath(from: output, to: folder)
            shards += index.shards.map { shard in
                var moved = shard
                moved.file = prefix.isEmpty ? shard.file : prefix + "/" + shard.file
                return moved
            }
        }
        let missing = Set(0..<first.worldSize).subtracting(ranks).sorted()
        guard missing.isEmpty else {
            throw ShardError(path: output, "ranks \(missing.map(String.init).joined(separator: ", ")) of \(first.worldSize) have no index yet")
        }
        return ShardIndex(pipelineDigest: first.pipelineDigest, split: first.split, imageShape: first.imageShape, classes: first.classes,
                          totalSamples: first.totalSamples, samplesPerShard: first.samplesPerShard, worldSize: first.worldSize,
                          ranks: ranks.sorted(), shards: shards)
    }

    /// `to` relative to `from` ("" when they are the same folder).
    static func relativePath(from: String, to: String) -> String {
        func components(_ path: String) -> [String] {
            URL(fileURLWithPath: path).standardizedFileURL.pathComponents.filter { $0 != "/" }
        }
        let source = components(from), target = components(to)
        var shared = 0
        while shared < min(source.count, target.count), source[shared] == target[shared] { shared += 1 }
        return (Array(repeating: "..", count: source.count - shared) + target[shared...]).joined(separator: "/")
    }
}
