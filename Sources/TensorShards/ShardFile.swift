import Foundation
import Safetensors

/// One shard (docs/SHARDS.md): `images` uint8 [N, H, W, C], `labels` int64 [N], `indices` int64 [N]
/// (global sample indices), with the format, pipeline digest, shard number and a CRC-32C per
/// tensor in `__metadata__`.
public enum ShardFile {
    public static let tensorNames = ["images", "labels", "indices"]

    /// `shard-RRRRR-KKKKK.safetensors`: the writing rank and the global shard number.
    public static func name(rank: Int, number: Int) -> String {
        "shard-" + pad(rank) + "-" + pad(number) + ".safetensors"
    }

    public static func pad(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 5 - text.count)) + text
    }

    /// Writes a shard atomically and returns its index entry.
    public static func write(folder: String, rank: Int, number: Int, imageShape: [Int], images: [UInt8], labels: [Int64],
                             indices: [Int64], pipelineDigest: String) throws(ShardError) -> ShardIndex.Shard {
        let count = labels.count
        let entries = [
            SafetensorsFile.Entry(name: "images", dtype: .uint8, shape: [count] + imageShape, bytes: images),
            SafetensorsFile.Entry(name: "labels", dtype: .int64, shape: [count], bytes: labels.withUnsafeBytes { Array($0) }),
            SafetensorsFile.Entry(name: "indices", dtype: .int64, shape: [count], bytes: indices.withUnsafeBytes { Array($0) }),
        ]
        var checksums: [String: UInt32] = [:]
        var metadata = ["format": "sluice-shards-1", "pipeline_digest": pipelineDigest, "number": "\(number)"]
        for entry in entries {
            checksums[entry.name] = CRC32C.checksum(entry.bytes)
            metadata["crc32c_" + entry.name] = "\(checksums[entry.name]!)"
        }
        let bytes = SafetensorsFile(entries: entries, metadata: metadata).encoded()
        let file = name(rank: rank, number: number)
        try AtomicFile.write(bytes, to: (folder as NSString).appendingPathComponent(file))
        let (sums, squares) = pixelSums(images, channels: imageShape.last ?? 1)
        return ShardIndex.Shard(file: file, number: number, rank: rank, count: count, bytes: bytes.count, crc32c: checksums,
                                pixelSums: sums.map { "\($0)" }, pixelSquareSums: squares.map { "\($0)" })
    }

    /// Exact per-channel sums of values and squares of interleaved uint8 pixels.
    static func pixelSums(_ pixels: [UInt8], channels: Int) -> ([UInt64], [UInt64]) {
        // One flat histogram behind a pointer: a nested array checked its uniqueness twice per byte.
        var histogram = [UInt64](repeating: 0, count: channels * 256)
        histogram.withUnsafeMutableBufferPointer { counts in
            pixels.withUnsafeBufferPointer { values in
                var i = 0
                while i &+ channels <= values.count {
                    for c in 0..<channels { counts[c &* 256 &+ Int(values[i &+ c])] &+= 1 }
                    i &+= channels
                }
            }
        }
        let perChannel = (0..<channels).map { histogram[($0 * 256)..<(($0 + 1) * 256)] }
        let sums = perChannel.map { counts in counts.enumerated().reduce(UInt64(0)) { $0 + UInt64($1.offset) * $1.element } }
        let squares = perChannel.map { counts in counts.enumerated().reduce(UInt64(0)) { $0 + UInt64($1.offset * $1.offset) * $1.element } }
        return (sums, squares)
    }

    /// Checks a shard against its index: size, header, digest, shapes, and every tensor's
    /// CRC-32C (in the index and in the file). The error names the shard and the tensor.
    public static func verify(_ path: String, shard: ShardIndex.Shard, index: ShardIndex) throws(ShardError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw ShardError(path: path, "missing or unreadable") }
        let failure = data.withUnsafeBytes { bytes -> ShardError? in
            do { try ShardSet.check(bytes, path: path, shard: shard, index: index) } catch let error as ShardError { return error } catch { return nil }
            // The index's pixel sums (its mean and std) against the stored pixels.
            guard let layout = try? SafetensorsFile.layout(of: bytes), let images = layout.tensor("images") else { return nil }
            let (sums, squares) = pixelSums(Array(bytes[images.range]), channels: index.imageShape.last ?? 1)
            guard sums.map({ "\($0)" }) == shard.pixelSums, squares.map({ "\($0)" }) == shard.pixelSquareSums else {
                return ShardError(path: path, "its pixel sums are not the index's (the index's mean and std are wrong)")
            }
            return nil
        }
        if let failure { throw failure }
    }
}

extension ShardFile {
    /// The index entry of a shard found on disk, after checking it against its own metadata
    /// (format, digest, shapes, CRC-32C of every tensor); also its first sample index.
    public static func entry(ofExisting path: String, file: String, rank: Int, number: Int, imageShape: [Int],
                             pipelineDigest: String) throws(ShardError) -> (shard: ShardIndex.Shard, count: Int, first: Int) {
        guard let data = FileManager.default.contents(atPath: path) else { throw ShardError(path: path, "missing") }
        let decoded: SafetensorsFile
        do { decoded = try SafetensorsFile(decoding: Array(data)) } catch { throw ShardError(path: path, error.description) }
        guard decoded.metadata["format"] == "sluice-shards-1", decoded.metadata["pipeline_digest"] == pipelineDigest,
              decoded.metadata["number"] == "\(number)", let images = decoded.entry("images"), let labels = decoded.entry("labels"),
              let indices = decoded.entry("indices") else { throw ShardError(path: path, "not a shard of this pipeline") }
        let count = labels.shape.first ?? 0
        guard images.shape == [count] + imageShape, indices.shape == [count] else { throw ShardError(path: path, "tensor shapes do not match") }
        var checksums: [String: UInt32] = [:]
        for entry in [images, labels, indices] {
            let checksum = CRC32C.checksum(entry.bytes)
            guard decoded.metadata["crc32c_" + entry.name] == "\(checksum)" else { throw ShardError(path: path, "tensor '\(entry.name)' is corrupted") }
            checksums[entry.name] = checksum
        }
        let (sums, squares) = pixelSums(images.bytes, channels: imageShape.last ?? 1)
        let first = indices.bytes.withUnsafeBytes { count > 0 ? Int(Int64(littleEndian: $0.loadUnaligned(as: Int64.self))) : number }
        return (ShardIndex.Shard(file: file, number: number, rank: rank, count: count, bytes: data.count, crc32c: checksums,
                                 pixelSums: sums.map { "\($0)" }, pixelSquareSums: squares.map { "\($0)" }), count, first)
    }
}
