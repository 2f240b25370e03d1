import Foundation
import Glibc
import Safetensors

/// The shards of an `index.json`, memory-mapped for reading: sample k of the set is the k-th
/// stored sample in shard order. Every tensor's CRC-32C is checked when the set is opened, so
/// a damaged shard is named before training starts rather than fed to it.
public final class ShardSet: @unchecked Sendable {
    public let folder: String
    public let index: ShardIndex
    /// Label and global sample index of each stored sample, in order.
    public let labels: [Int64]
    public let sampleIndices: [Int64]
    private let mappings: [(base: UnsafeRawPointer, length: Int)]
    /// Per shard: where its images start in its mapping, and its first sample number.
    private let imageStarts: [UnsafeRawPointer]
    private let firstSamples: [Int]
    public let recordBytes: Int

    public init(folder: String) throws(ShardError) {
        let indexPath = (folder as NSString).appendingPathComponent("index.json")
        let index = try ShardIndex.read(indexPath)
        self.folder = folder
        self.index = index
        recordBytes = index.imageShape.reduce(1, *)
        var mappings: [(UnsafeRawPointer, Int)] = [], starts: [UnsafeRawPointer] = [], firsts: [Int] = []
        var labels: [Int64] = [], indices: [Int64] = []
        var first = 0
        do {
            for shard in index.shards {
                let path = (folder as NSString).appendingPathComponent(shard.file)
                let mapping = try Self.map(path)
                mappings.append(mapping)
                let bytes = UnsafeRawBufferPointer(start: mapping.0, count: mapping.1)
                try Self.check(bytes, path: path, shard: shard, index: index)
                let layout: SafetensorsFile.Layout
                do { layout = try SafetensorsFile.layout(of: bytes) } catch { throw ShardError(path: path, error.description) }
                starts.append(mapping.0 + layout.tensor("images")!.range.lowerBound)
                for (name, target) in [("labels", 0), ("indices", 1)] {
                    let range = layout.tensor(name)!.range
                    let values = (0..<shard.count).map { Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: range.lowerBound + $0 * 8, as: Int64.self)) }
                    if target == 0 { labels += values } else { indices += values }
                }
                firsts.append(first)
                first += shard.count
            }
        } catch let error as ShardError {
            for mapping in mappings { munmap(UnsafeMutableRawPointer(mutating: mapping.0), mapping.1) }
            throw error
        } catch {
            for mapping in mappings { munmap(UnsafeMutableRawPointer(mutating: mapping.0), mapping.1) }
            throw ShardError(path: folder, "\(error)")
        }
        self.mappings = mappings
        imageStarts = starts
        firstSamples = firsts
        self.labels = labels
        sampleIndices = indices
    }

    deinit {
        for mapping in mappings { munmap(UnsafeMutableRawPointer(mutating: mapping.base), mapping.length) }
    }

    public var count: Int { labels.count }

    /// The stored uint8 [H, W, C] bytes of sample `position`.
    public func withRecord<Result>(_ position: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        // The shard whose first sample is the last one <= position.
        var low = 0, high = firstSamples.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if firstSamples[middle] <= position { low = middle } else { high = middle - 1 }
        }
        return body(UnsafeRawBufferPointer(start: imageStarts[low] + (position - firstSamples[low]) * recordBytes, count: recordBytes))
    }

    private static func map(_ path: String) throws(ShardError) -> (UnsafeRawPointer, Int) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ShardError(path: path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size > 0 else { throw ShardError(path: path, "empty or unreadable") }
        let length = Int(status.st_size)
        guard let pointer = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), pointer != MAP_FAILED else {
            throw ShardError(path: path, "cannot map: \(String(cString: strerror(errno)))")
        }
        return (UnsafeRawPointer(pointer), length)
    }

    /// Size, digest, shapes and every tensor's CRC-32C against the index and the file's own metadata.
    static func check(_ bytes: UnsafeRawBufferPointer, path: String, shard: ShardIndex.Shard, index: ShardIndex) throws(ShardError) {
        guard bytes.count == shard.bytes else { throw ShardError(path: path, "\(bytes.count) bytes, the index says \(shard.bytes)") }
        let layout: SafetensorsFile.Layout
        do { layout = try SafetensorsFile.layout(of: bytes) } catch { throw ShardError(path: path, error.description) }
        guard layout.metadata["pipeline_digest"] == index.pipelineDigest else { throw ShardError(path: path, "made by another pipeline (digest differs from the index)") }
        let shapes = ["images": [shard.count] + index.imageShape, "labels": [shard.count], "indices": [shard.count]]
        for name in ShardFile.tensorNames {
            guard let tensor = layout.tensor(name) else { throw ShardError(path: path, "tensor '\(name)' is missing") }
            guard tensor.shape == shapes[name] else { throw ShardError(path: path, "tensor '\(name)' is \(tensor.shape), expected \(shapes[name]!)") }
            let checksum = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[tensor.range]))
            guard checksum == shard.crc32c[name] else {
                throw ShardError(path: path, "tensor '\(name)' is corrupted (CRC-32C \(checksum), the index says \(shard.crc32c[name].map(String.init) ?? "none"))")
            }
            guard layout.metadata["crc32c_" + name] == "\(checksum)" else {
                throw ShardError(path: path, "the file's metadata gives tensor '\(name)' CRC-32C \(layout.metadata["crc32c_" + name] ?? "none"), its data has \(checksum) (as the index says)")
            }
        }
    }
}
