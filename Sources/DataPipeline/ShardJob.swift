import DatasetSources
import Foundation
import ImageCodecs
import ImageTransforms
import TensorCore
import TensorShards

/// `sluice shard`: runs the stored transforms of a split once and writes the results as
/// shards. Shard k holds samples k * samplesPerShard ..< (k + 1) * samplesPerShard (those
/// that decode); rank r of a world of W writes the shards k with k % W == r, so any number of
/// ranks writes the same shards as one process. A shard already in the folder that verifies
/// is kept, so a rerun after a crash only writes what is missing.
public struct ShardJob: Sendable {
    public let dataset: Dataset
    public let plan: ShardPlan
    public let decode: DecodeOptions
    /// [H, W, C] of every stored image.
    public let imageShape: [Int]
    public let classes: [String]
    public let split: String
    public let samplesPerShard: Int
    public let rank: Int
    public let worldSize: Int
    public let workers: Int

    public init(dataset: Dataset, plan: ShardPlan, decode: DecodeOptions, imageShape: [Int], classes: [String], split: String,
                samplesPerShard: Int, rank: Int, worldSize: Int, workers: Int) {
        self.dataset = dataset
        self.plan = plan
        self.decode = decode
        self.imageShape = imageShape
        self.classes = classes
        self.split = split
        self.samplesPerShard = samplesPerShard
        self.rank = rank
        self.worldSize = worldSize
        self.workers = workers
    }

    public var shardCount: Int { (dataset.count + samplesPerShard - 1) / samplesPerShard }

    /// The shard numbers this rank writes.
    public var ownShards: [Int] { Array(stride(from: rank, to: shardCount, by: worldSize)) }

    /// The index file this rank writes: `index.json` for a single process, else its part.
    public var indexName: String { worldSize == 1 ? "index.json" : "index-rank-\(ShardFile.pad(rank)).json" }

    /// Writes (or keeps) this rank's shards, then its index, last. `onShard` hears of each
    /// shard (true when kept from an earlier run); `onFailure` of each sample that could not be read.
    public func run(into folder: String, onFailure: @Sendable (ImageFileError) -> Void, onShard: (ShardIndex.Shard, Bool) -> Void)
        throws(ShardError) -> ShardIndex {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ShardError(path: folder, "cannot create: \(error.localizedDescription)")
        }
        removeStalePartials(in: folder)
        let readers = (0..<workers).map { _ in SampleReader(dataset: dataset, decode: decode) }
        var shards: [ShardIndex.Shard] = []
        for number in ownShards {
            if let kept = existing(number, in: folder) {
                shards.append(kept)
                onShard(kept, true)
                continue
            }
            let range = (number * samplesPerShard)..<min(dataset.count, (number + 1) * samplesPerShard)
            let (images, labels, indices) = try prepare(range, readers: readers, onFailure: onFailure)
            let shard = try ShardFile.write(folder: folder, rank: rank, number: number, imageShape: imageShape, images: images,
                                            labels: labels, indices: indices, pipelineDigest: plan.digest)
            shards.append(shard)
            onShard(shard, false)
        }
        let index = ShardIndex(pipelineDigest: plan.digest, split: split, imageShape: imageShape, classes: classes,
                               totalSamples: dataset.count, samplesPerShard: samplesPerShard, worldSize: worldSize, ranks: [rank],
                               shards: shards)
        let bytes: Data
        do { bytes = try index.encoded() } catch { throw ShardError(path: folder, "cannot encode the index: \(error)") }
        try AtomicFile.write(Array(bytes), to: (folder as NSString).appendingPathComponent(indexName))
        return index
    }

    /// Removes what a killed run of this rank left half-written (other ranks' files are theirs).
    private func removeStalePartials(in folder: String) {
        let own = ["shard-" + ShardFile.pad(rank) + "-", indexName]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where name.contains(".partial-") && own.contains(where: name.hasPrefix) {
            try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
        }
    }

    /// A shard of an earlier run that is whole and made by this plan, as its index entry.
    private func existing(_ number: Int, in folder: String) -> ShardIndex.Shard? {
        let file = ShardFile.name(rank: rank, number: number)
        let path = (folder as NSString).appendingPathComponent(file)
        guard let entry = try? ShardFile.entry(ofExisting: path, file: file, rank: rank, number: number,
                                               imageShape: imageShape, pipelineDigest: plan.digest) else { return nil }
        let first = number * samplesPerShard
        return entry.count <= samplesPerShard && entry.first >= first ? entry.shard : nil
    }

    /// The stored image size when the pipeline file does not fix it (a folder of images with no
    /// resize or crop before the first random op): that of the first sample that can be read.
    /// Every other sample must then have it too.
    public static func probeShape(_ dataset: Dataset, plan: ShardPlan, decode: DecodeOptions) -> [Int]? {
        let reader = SampleReader(dataset: dataset, decode: decode)
        var sample = SampleBuffer(), rng = SampleRNG(seed: 0, epoch: 0, index: 0)
        for index in 0..<min(dataset.count, 100) {
            guard (try? reader.read(index, into: &sample)) != nil, (try? plan.stored.apply(&sample, using: &rng)) != nil, !sample.isTensor else { continue }
            return sample.image.shape
        }
        return nil
    }

    /// What a sample that decodes gives: its label, or, when the stored transforms gave another
    /// size than the shards hold, that size (which stops the job).
    private enum Stored {
        case label(Int64)
        case otherSize(String, [Int])
    }

    /// Decodes and transforms the samples of `range` in parallel, each into its own slot, then
    /// keeps the successes in order.
    private func prepare(_ range: Range<Int>, readers: [SampleReader], onFailure: @Sendable (ImageFileError) -> Void)
        throws(ShardError) -> (images: [UInt8], labels: [Int64], indices: [Int64]) {
        let recordBytes = imageShape.reduce(1, *)
        var images = [UInt8](repeating: 0, count: range.count * recordBytes)
        let stored = plan.stored, shape = imageShape
        let kept = images.withUnsafeMutableBytes { buffer in
            let outcomes = ParallelWork.map(range.count, threads: readers.count, state: { (readers[$0], SampleBuffer()) }) { worker, offset in
                let (reader, index) = (worker.0, range.lowerBound + offset)
                return reader.attempt(index) {
                    var rng = SampleRNG(seed: 0, epoch: 0, index: 0)   // the stored ops draw nothing
                    let label = try reader.read(index, into: &worker.1)
                    try stored.apply(&worker.1, using: &rng)
                    guard !worker.1.isTensor, worker.1.image.shape == shape else { return Stored.otherSize(reader.path(of: index), worker.1.image.shape) }
                    worker.1.image.pixels.withUnsafeBytes { (buffer.baseAddress! + offset * recordBytes).copyMemory(from: $0.baseAddress!, byteCount: recordBytes) }
                    return Stored.label(Int64(label ?? -1))
                }
            }
            return keepSuccesses(outcomes, move: { (buffer.baseAddress! + $1 * recordBytes).copyMemory(from: buffer.baseAddress! + $0 * recordBytes, byteCount: recordBytes) },
                                 onFailure: onFailure)
        }
        var labels: [Int64] = [], indices: [Int64] = []
        for (offset, value) in kept {
            switch value {
            case .otherSize(let path, let other):
                throw ShardError(path: path, "its stored transforms give \(other.map(String.init).joined(separator: "x")), the shards hold \(imageShape.map(String.init).joined(separator: "x")) (the size of the first sample): shards hold one size, so add a resize or crop before the first random op")
            case .label(let label):
                labels.append(label)
                indices.append(Int64(range.lowerBound + offset))
            }
        }
        images.removeLast((range.count - kept.count) * recordBytes)
        return (images, labels, indices)
    }
}
