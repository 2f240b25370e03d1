import DataPipeline
import DatasetSources
import Dispatch
import Foundation
import ImageCodecs
import PipelineConfig
import TensorCore
import TensorShards

/// `sluice bench --suite pipeline`: one full pass over a split through the feeder (batches
/// consumed and discarded), beside decode-only on the same samples in the same order, per
/// worker count.
public struct PipelineBench {
    public let pipeline: String
    public let split: String
    /// A benchmark set (`BenchSets`) in place of the split's own data.
    public let data: (name: String, folder: String)?
    public let workers: [Int]
    public let repeats: Int
    /// Hears why a row is left out (no shards of this split).
    public let warn: (String) -> Void

    public init(pipeline: String, split: String, data: (name: String, folder: String)?, workers: [Int], repeats: Int,
                warn: @escaping (String) -> Void = { _ in }) {
        (self.pipeline, self.split, self.data, self.workers, self.repeats, self.warn) = (pipeline, split, data, workers, repeats, warn)
    }

    public struct Row: Encodable {
        public var set: String
        public var workers: Int
        public var images: Int
        public var images_per_second: Double
        public var decode_images_per_second: Double
        /// The median over rounds of the round's feeder / decode-only figures: each round times
        /// both passes back to back (in alternating order), so the ratio sees the same machine.
        public var ratio_vs_decode: Double
        public var ratio_vs_decode_min: Double
        public var ratio_vs_decode_max: Double
        /// Images per CPU-second (user + system time of every thread of the process), which a
        /// busy host moves less than wall time; and the feeder's share of decode-only's.
        public var images_per_cpu_second: Double
        public var decode_images_per_cpu_second: Double
        public var cpu_ratio_vs_decode: Double
        /// The same epoch read from shards of the split (written once, beforehand, to a
        /// temporary folder), when its stored transforms give one image size.
        public var from_shards_images_per_second: Double?
        public var shards_vs_files: Double?
    }

    public func run() throws -> [Row] {
        let file: PipelineFile
        do { file = try PipelineFile.load(pipeline) } catch { throw BenchmarkError(error.description) }
        let input = data.map { Dataset.Input.path($0.folder) }
        let dataset: Dataset
        do { dataset = try input.map { try Dataset.listing([$0]) } ?? PipelineInputs.dataset(pipeline, split: split) } catch { throw BenchmarkError("\(error)") }
        let shards = try writeShards(file, dataset: dataset, input: input)
        defer { if let shards { try? FileManager.default.removeItem(atPath: shards) } }
        var rows: [Row] = []
        for count in workers {
            let loader: BatchLoader, shardLoader: BatchLoader?
            do {
                loader = try BatchLoader(pipeline: file, split: split, workers: count, cores: ProcessInfo.processInfo.activeProcessorCount, input: input)
                shardLoader = try shards.map { try BatchLoader(pipeline: file, split: split, workers: count, cores: ProcessInfo.processInfo.activeProcessorCount, shards: $0) }
            } catch {
                throw BenchmarkError("\(error)")
            }
            var feeder: [Double] = [], decode: [Double] = [], fromShards: [Double] = []
            var feederCPU: [Double] = [], decodeCPU: [Double] = []
            var images = 0
            _ = loader.epoch(0).reduce(0) { $0 + $1.count }   // warm-up
            _ = shardLoader?.epoch(0).reduce(0) { $0 + $1.count }
            for round in 0..<repeats {
                let feed = {
                    let start = DispatchTime.now().uptimeNanoseconds, cpuStart = Self.cpuSeconds()
                    images = loader.epoch(round).reduce(0) { $0 + $1.count }
                    feeder.append(Double(images) / Self.seconds(since: start))
                    feederCPU.append(Double(images) / (Self.cpuSeconds() - cpuStart))
                }
                if round % 2 == 0 { feed() }
                let decodeStart = DispatchTime.now().uptimeNanoseconds, decodeCPUStart = Self.cpuSeconds()
                let decoded = DecodeOnly.run(dataset, order: loader.indices(epoch: round), options: file.decodeOptions(split: split), workers: count)
                decode.append(Double(decoded) / Self.seconds(since: decodeStart))
                decodeCPU.append(Double(decoded) / (Self.cpuSeconds() - decodeCPUStart))
                if round % 2 == 1 { feed() }
                if let shardLoader {
                    let shardStart = DispatchTime.now().uptimeNanoseconds
                    let read = shardLoader.epoch(round).reduce(0) { $0 + $1.count }
                    fromShards.append(Double(read) / Self.seconds(since: shardStart))
                }
            }
            let median = { (list: [Double]) in list.sorted()[list.count / 2] }
            let ratios = zip(feeder, decode).map { $0 / $1 }
            rows.append(Row(set: data.map { "\($0.name), \(pipeline) \(split)" } ?? "\(pipeline) \(split)", workers: count, images: images, images_per_second: median(feeder),
                            decode_images_per_second: median(decode), ratio_vs_decode: median(ratios),
                            ratio_vs_decode_min: ratios.min() ?? 0, ratio_vs_decode_max: ratios.max() ?? 0,
                            images_per_cpu_second: median(feederCPU), decode_images_per_cpu_second: median(decodeCPU),
                            cpu_ratio_vs_decode: median(zip(feederCPU, decodeCPU).map { $0 / $1 }),
                            from_shards_images_per_second: fromShards.isEmpty ? nil : median(fromShards),
                            shards_vs_files: fromShards.isEmpty ? nil : median(fromShards) / median(feeder)))
        }
        return rows
    }

    /// Shards of the split in a temporary folder, or nil when its stored transforms do not
    /// give one image size (or the split already reads shards).
    private func writeShards(_ file: PipelineFile, dataset: Dataset, input: Dataset.Input?) throws -> String? {
        guard input != nil || file.data[split]?.datasetInput != nil else { return nil }
        let plan = ShardPlan(chain: try file.chain(split), decode: file.decodeOptions(split: split),
                             input: .image(height: nil, width: nil, channels: file.color.channels))
        guard let shape = plan.storedShape(from: BatchLoader.inputShape(of: dataset, channels: file.color.channels))
            ?? ShardJob.probeShape(dataset, plan: plan, decode: file.decodeOptions(split: split)) else { return nil }
        let folder = NSTemporaryDirectory() + "sluice-bench-shards-\(getpid())"
        let job = ShardJob(dataset: dataset, plan: plan, decode: file.decodeOptions(split: split), imageShape: shape,
                           classes: file.classNames ?? dataset.classes, split: split, samplesPerShard: 10_000, rank: 0, worldSize: 1,
                           workers: ProcessInfo.processInfo.activeProcessorCount)
        do { _ = try job.run(into: folder, onFailure: { _ in }, onShard: { _, _ in }) } catch {
            warn("no from-shards row: \(error.description)")
            try? FileManager.default.removeItem(atPath: folder)
            return nil
        }
        return folder
    }

    /// User + system CPU time of the whole process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let time = { (value: timeval) in Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
        return time(usage.ru_utime) + time(usage.ru_stime)
    }

    static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
