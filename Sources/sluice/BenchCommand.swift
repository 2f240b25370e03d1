import ArgumentParser
import Foundation
import SluiceBenchmarks
import Trainer

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure images/s of decoding, statistics, transforms, the feeder and training (build with -c release).",
        discussion: """
            decode: read + decode only, each worker with its own decoder and buffers. stats: \
            `sluice stats` on the same files (decode + exact accumulation), and with --checks (the \
            health report's per-image measurements). Each figure is the \
            median of --repeats timed passes after one warm-up pass, with min-max; ratios are \
            against 1 worker and against decode, measured in the same process. transforms: \
            images/s of each op on one thread for 32x32 and 224x224 inputs cut from a photo. \
            pipeline (--pipeline P [--split S] [--set NAME]): one full epoch through the \
            feeder, batches consumed and discarded, beside decode-only on the same samples (with \
            the pipeline's decode options) and beside reading the same epoch from shards; \
            feeder/decode is the median of each round's ratio (the two passes back to back), with \
            its range, and images per CPU-second (user + system, all threads) are given for \
            both; --set runs the recipe on a generated \
            set (small-png and small-jpeg: 10,000 CIFAR-like 32x32 images). train: training \
            steps (forward + backward + optimizer step, batch --batch-size) of the MNIST CNN and \
            the CIFAR small CNN on a batch held in memory, at each --threads count, with the \
            BLAS kernel in use; then each of their convolution layers alone as a share of a \
            1024^3 sgemm timed just before it (median of five pairs, with their range).

            Examples:
              sluice bench --suite decode --photos samples/photos
              sluice bench --suite pipeline --pipeline pipelines/cifar10.yaml --set small-png
              sluice bench --suite train --batch-size 64 --threads 1 2
            """
    )

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case decode, stats, transforms, pipeline, train
    }

    @Option(help: "Which measurements to run.")
    var suite: Suite = .decode

    @Option(parsing: .upToNextOption, help: "Worker counts to measure.")
    var workers: [Int] = [1, 2]

    @Option(help: "Timed passes per figure (after one warm-up pass).")
    var repeats: Int = 5

    @Option(help: "Folder of benchmark photos (JPEG), and the source of the generated 32x32 sets.")
    var photos: String = "samples/photos"

    @Option(name: .customLong("fashion-mnist"), help: "Fashion-MNIST training images (IDX) for the 28x28 PNG set.")
    var fashionMNIST: String = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"

    @Option(help: "Where the generated benchmark sets are kept.")
    var cache: String = NSTemporaryDirectory() + "sluice-bench-v1"

    @Option(help: "Write the figures as JSON to this file.")
    var json: String?

    @Option(help: "For --suite pipeline: the pipeline file.")
    var pipeline: String?

    @Option(help: "For --suite pipeline: the split.")
    var split: String = "train"

    @Option(help: "For --suite pipeline: run the recipe on this generated set instead of the split's data.")
    var set: BenchSets.Name?

    @Option(parsing: .upToNextOption, help: "For --suite train: compute thread counts to measure.")
    var threads: [Int] = [1, 2]

    @Option(name: .customLong("batch-size"), help: "For --suite train: images per training step.")
    var batchSize: Int = 128

    func validate() throws {
        guard workers.allSatisfy({ $0 >= 1 && $0 <= 64 }) else { throw ValidationError("--workers must be between 1 and 64") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard threads.allSatisfy({ $0 >= 1 && $0 <= 64 }), batchSize >= 1 else { throw ValidationError("--threads are 1-64 and --batch-size at least 1") }
        if suite == .pipeline && pipeline == nil { throw ValidationError("--suite pipeline needs --pipeline FILE") }
    }

    func run() throws {
        do {
            try runSuite()
        } catch let error as BenchmarkError {
            throw CommandFailure.usage(error.description)
        }
    }

    /// The generated image sets, made once in `--cache`.
    private func benchSets() -> BenchSets {
        BenchSets(cache: cache, photosFolder: photos, fashionImages: fashionMNIST, announce: { Terminal.status($0 + "\n") })
    }

    private func runSuite() throws {
        #if DEBUG
        Terminal.error("warning: this is a debug build; benchmark a release build (swift build -c release)")
        #endif
        if suite == .transforms { return try runTransforms() }
        if suite == .train { return try runTrain() }
        if suite == .pipeline, let pipeline { return try runPipeline(pipeline) }
        let sets = try benchSets().prepare()
        print("sluice bench --suite \(suite.rawValue): median of \(repeats) passes (min-max), \(SystemInfo.coreCount) cores")
        print("set                          images  workers      images/s            min-max   speed-up" +
              (suite == .stats ? "   decode img/s  stats/decode   checks img/s  checks/stats" : ""))
        let rows = DecodeBench(workers: workers, repeats: repeats, withStatistics: suite == .stats).run(sets) { print(format($0)) }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            struct Report: Encodable { var machine: String; var cores: Int; var repeats: Int; var rows: [DecodeBench.Row] }
            let report = Report(machine: SystemInfo.cpuModel, cores: SystemInfo.coreCount, repeats: repeats, rows: rows)
            try OutputFile.write(encoder.encode(report), to: json)
        }
    }

    private func runPipeline(_ pipeline: String) throws {
        print("sluice bench --suite pipeline: one epoch through the feeder vs decode-only, median of \(repeats) rounds "
              + "(feeder/decode: the median of the rounds' ratios), \(SystemInfo.cpuModel)")
        let data = try set.map { ($0.rawValue, try benchSets().folder(of: $0)) }
        let rows = try PipelineBench(pipeline: pipeline, split: split, data: data, workers: workers, repeats: repeats,
                                     warn: { Terminal.error($0) }).run()
        for row in rows {
            print("\(row.set)  workers \(row.workers): \(Terminal.count(row.images)) images, \(Terminal.count(Int(row.images_per_second))) img/s; "
                  + "decode-only \(Terminal.count(Int(row.decode_images_per_second))) img/s; feeder/decode \(Terminal.fixed(row.ratio_vs_decode * 100, 1))%"
                  + " (rounds \(Terminal.fixed(row.ratio_vs_decode_min * 100, 1))-\(Terminal.fixed(row.ratio_vs_decode_max * 100, 1))%)"
                  + "; per CPU-second \(Terminal.count(Int(row.images_per_cpu_second))) vs \(Terminal.count(Int(row.decode_images_per_cpu_second)))"
                  + " (\(Terminal.fixed(row.cpu_ratio_vs_decode * 100, 1))%)"
                  + (row.from_shards_images_per_second.map { "; from shards \(Terminal.count(Int($0))) img/s (\(Terminal.fixed(row.shards_vs_files ?? 0, 1))x files)" } ?? ""))
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try OutputFile.write(encoder.encode(rows), to: json)
        }
    }

    private func runTrain() throws {
        let blas = try BLASLibrary.load()
        print("sluice bench --suite train: forward + backward + step, batch \(batchSize), median of \(repeats) runs of ~3 s, \(SystemInfo.cpuModel)")
        print("BLAS: \(blas.summary)")
        print("model              params  optimizer  threads      images/s          min-max   est. GFLOPS")
        let rows = try TrainBench(threads: threads, repeats: repeats, batchSize: batchSize).run { row in
            let range = "\(Terminal.count(Int(row.min_images_per_second)))-\(Terminal.count(Int(row.max_images_per_second)))"
            print(row.model.padding(toLength: 16, withPad: " ", startingAt: 0) + Terminal.count(row.parameters).leftPadded(9)
                  + "  " + row.optimizer.padding(toLength: 9, withPad: " ", startingAt: 0) + "\(row.threads)".leftPadded(8)
                  + Terminal.count(Int(row.images_per_second)).leftPadded(14) + range.leftPadded(17) + Terminal.fixed(row.estimated_gflops, 1).leftPadded(14))
        }
        print("\nconvolution layers alone (forward + backward, batch \(batchSize)), each timing paired with a 1024^3 sgemm timed just before it")
        print("layer                            threads   GFLOPS   sgemm GFLOPS   of sgemm   pairs' range")
        let convolutions = try ConvLayerBench(threads: threads, batchSize: batchSize).run()
        for row in convolutions {
            let range = Terminal.fixed(row.ratio_min * 100, 0) + "-" + Terminal.fixed(row.ratio_max * 100, 0) + "%"
            print(row.layer.padding(toLength: 32, withPad: " ", startingAt: 0) + "\(row.threads)".leftPadded(8)
                  + Terminal.fixed(row.gflops, 1).leftPadded(9) + Terminal.fixed(row.sgemm_gflops, 1).leftPadded(15)
                  + (Terminal.fixed(row.ratio_vs_sgemm * 100, 0) + "%").leftPadded(11) + range.leftPadded(15))
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            struct Report: Encodable {
                var machine: String; var cores: Int; var blas: String; var blas_kernel: String; var repeats: Int
                var rows: [TrainBench.Row]; var convolutions: [ConvLayerBench.Row]
            }
            try OutputFile.write(encoder.encode(Report(machine: SystemInfo.cpuModel, cores: SystemInfo.coreCount, blas: blas.summary,
                                                       blas_kernel: blas.kernel, repeats: repeats, rows: rows, convolutions: convolutions)),
                                 to: json)
        }
    }

    private func runTransforms() throws {
        let photo = (photos as NSString).appendingPathComponent("skimage/chelsea.jpg")
        let source = FileManager.default.fileExists(atPath: photo) ? photo : "samples/photos/chelsea.jpg"
        let rows = try TransformBench(photo: source, repeats: repeats).run()
        print("sluice bench --suite transforms: 1 thread, median of \(repeats) rounds (min-max), \(SystemInfo.cpuModel)")
        print("input    op                                   images/s                  min-max     Mpx/s")
        for row in rows {
            let range = "\(Terminal.count(Int(row.min)))-\(Terminal.count(Int(row.max)))"
            print("\(row.size)x\(row.size)".padding(toLength: 9, withPad: " ", startingAt: 0)
                  + row.op.padding(toLength: 34, withPad: " ", startingAt: 0)
                  + String(repeating: " ", count: max(0, 12 - Terminal.count(Int(row.median)).count)) + Terminal.count(Int(row.median))
                  + String(repeating: " ", count: max(0, 25 - range.count)) + range
                  + String(format: "%10.0f", row.megapixels))
        }
        if let json {
            struct Entry: Encodable { var input: Int; var op: String; var images_per_second: Double; var min: Double; var max: Double; var megapixels_per_second: Double }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try OutputFile.write(encoder.encode(rows.map { Entry(input: $0.size, op: $0.op, images_per_second: $0.median, min: $0.min,
                                                                 max: $0.max, megapixels_per_second: $0.megapixels) }),
                                 to: json)
        }
    }

    private func format(_ row: DecodeBench.Row) -> String {
        func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + padding : padding + text
        }
        let range = "\(Terminal.count(Int(row.min_images_per_second)))-\(Terminal.count(Int(row.max_images_per_second)))"
        return pad(row.set, 27, left: true) + pad(Terminal.count(row.images), 8) + pad("\(row.workers)", 9)
            + pad(Terminal.count(Int(row.images_per_second)), 14) + pad(range, 19)
            + pad(row.speedup_vs_1_worker.map { Terminal.fixed($0, 2) + "x" } ?? "", 11)
            + pad(row.decode_images_per_second.map { Terminal.count(Int($0)) } ?? "", 15)
            + pad(row.ratio_vs_decode.map { Terminal.fixed($0 * 100, 1) + "%" } ?? "", 14)
            + pad(row.checks_images_per_second.map { Terminal.count(Int($0)) } ?? "", 15)
            + pad(row.checks_ratio_vs_stats.map { Terminal.fixed($0 * 100, 1) + "%" } ?? "", 14)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

extension BenchSets.Name: ExpressibleByArgument {}
