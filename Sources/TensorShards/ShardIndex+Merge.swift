import Foundation
import Glibc

extension ShardIndex {
    /// Combines the partial indexes of the ranks of one job (each from its folder) into the
    /// index of `output`: every rank present once, the same pipeline, shape and split, each
    /// rank's folder `output` or inside it. Shard paths become relative to `output`. Statistics come from the exact sums, so they equal
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
            guard prefix.isEmpty || isInsideFolder(prefix) else {   // an index names files in its folder only
                throw ShardError(path: folder, "is not inside \(output): merge into a folder that holds every rank's shards")
            }
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

    /// The parts with every rank's shards inside `output`: a rank folder outside it has its
    /// shard files hard-linked into `output` (copied across file systems), since an index
    /// names files in its own folder only. A file already there with the same size is kept.
    public static func bringInside(_ parts: [(index: ShardIndex, folder: String)], output: String) throws(ShardError) -> [(index: ShardIndex, folder: String)] {
        var inside: [(index: ShardIndex, folder: String)] = []
        for (index, folder) in parts {
            let prefix = relativePath(from: output, to: folder)
            guard !prefix.isEmpty, !isInsideFolder(prefix) else {
                inside.append((index, folder))
                continue
            }
            var moved = index
            for (position, shard) in index.shards.enumerated() {
                let source = (folder as NSString).appendingPathComponent(shard.file)
                let name = (shard.file as NSString).lastPathComponent
                let target = (output as NSString).appendingPathComponent(name)
                let existing = try? FileManager.default.attributesOfItem(atPath: target)[.size] as? Int
                if existing != shard.bytes {
                    try? FileManager.default.removeItem(atPath: target)
                    if link(source, target) != 0 {
                        do { try FileManager.default.copyItem(atPath: source, toPath: target) } catch {
                            throw ShardError(path: source, "cannot link or copy it into \(output): \(error.localizedDescription)")
                        }
                    }
                }
                moved.shards[position].file = name
            }
            inside.append((moved, output))
        }
        return inside
    }
}
