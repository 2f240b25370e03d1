import DatasetSources
import DatasetStatistics
import Dispatch

/// `sluice bench --suite decode|stats`: images/s of decode-only (and of `sluice stats` on the
/// same files, alone and with the health checks of `--checks`/`--report`) per worker count.
/// Every pass of a set (each worker count; decode, stats, stats with checks) runs in turn in each
/// round, so speed-ups and ratios compare figures of the same minute.
public struct DecodeBench {
    public struct Row: Encodable, Sendable {
        public var suite: String
        public var set: String
        public var images: Int
        public var workers: Int
        public var images_per_second: Double
        public var min_images_per_second: Double
        public var max_images_per_second: Double
        public var speedup_vs_1_worker: Double?
        /// stats suite: the decode-only figure measured in the same rounds, and the ratio.
        public var decode_images_per_second: Double?
        public var ratio_vs_decode: Double?
        /// stats suite: `sluice stats --checks` measured in the same rounds, and its ratio to stats.
        public var checks_images_per_second: Double?
        public var checks_ratio_vs_stats: Double?
    }

    public let workers: [Int]
    public let repeats: Int
    /// Also `sluice stats` on each set (the stats suite).
    public let withStatistics: Bool

    public init(workers: [Int], repeats: Int, withStatistics: Bool) {
        (self.workers, self.repeats, self.withStatistics) = (workers, repeats, withStatistics)
    }

    /// The rows of every set, each handed to `progress` as soon as it is measured.
    public func run(_ sets: [BenchSets.BenchSet], progress: (Row) -> Void) -> [Row] {
        var rows: [Row] = []
        for set in sets {
            let dataset = Dataset(parts: [.files(set.files.map { Dataset.FileEntry(path: $0) })])
            var passes: [() -> Int] = []
            for workerCount in workers {
                passes.append { DecodeOnly.run(dataset, workers: workerCount) }
                if withStatistics {
                    let runner = StatisticsRunner(workers: workerCount), checks = StatisticsRunner(workers: workerCount, health: true)
                    passes.append { runner.run(dataset).accumulator.images }
                    passes.append { checks.run(dataset).accumulator.images }
                }
            }
            let figures = Self.measure(repeats, passes)
            let perWorkerCount = withStatistics ? 3 : 1
            var single: Double?
            for (position, workerCount) in workers.enumerated() {
                let decode = figures[position * perWorkerCount]
                let shown = figures[position * perWorkerCount + (withStatistics ? 1 : 0)]
                var row = Row(suite: withStatistics ? "stats" : "decode", set: set.name, images: set.files.count, workers: workerCount,
                              images_per_second: shown.median, min_images_per_second: shown.min,
                              max_images_per_second: shown.max,
                              decode_images_per_second: withStatistics ? decode.median : nil,
                              ratio_vs_decode: withStatistics ? shown.median / decode.median : nil)
                if withStatistics {
                    let checks = figures[position * perWorkerCount + 2]
                    row.checks_images_per_second = checks.median
                    row.checks_ratio_vs_stats = checks.median / shown.median
                }
                if workerCount == 1 { single = row.images_per_second }
                row.speedup_vs_1_worker = single.map { row.images_per_second / $0 }
                rows.append(row)
                progress(row)
            }
        }
        return rows
    }

    /// Images/s of each pass (which returns the images it processed): one warm-up round, then
    /// `repeats` rounds running the passes in turn.
    static func measure(_ repeats: Int, _ passes: [() -> Int]) -> [(median: Double, min: Double, max: Double)] {
        for pass in passes { _ = pass() }
        var rates = Array(repeating: [Double](), count: passes.count)
        for _ in 0..<repeats {
            for (index, pass) in passes.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                let images = pass()
                rates[index].append(Double(images) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            }
        }
        return rates.map { list in
            let sorted = list.sorted()
            return (sorted[sorted.count / 2], sorted.first!, sorted.last!)
        }
    }
}
