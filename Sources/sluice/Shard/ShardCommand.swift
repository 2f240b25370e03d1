import ArgumentParser
import DataPipeline
import DatasetSources
import Dispatch
import Foundation
import ImageCodecs
import ImageTransforms
import PipelineConfig
import TensorCore
import TensorShards

struct ShardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard",
        abstract: "Decode once, train many epochs: store a split's deterministic transforms as safetensors shards.",
        subcommands: [Write.self, Merge.self, Verify.self],
        defaultSubcommand: Write.self
    )

    struct Write: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "write",
            abstract: "Decode once, train many epochs: store a split's deterministic transforms as safetensors shards.",
            usage: """
                sluice shard --pipeline P [--split S] --output DIR [--workers N] [--rank R --world-size W]
                  sluice shard merge DIR... [--output DIR]
                  sluice shard verify DIR
                """,
            discussion: """
                Runs the leading deterministic transforms of the split that give uint8 images \
                (decode, resize, crop, ...; not to_float and what follows) once, and writes \
                DIR/shard-RRRRR-KKKKK.safetensors (images uint8 [N, H, W, C], labels int64, \
                indices int64, a CRC-32C per tensor) and DIR/index.json (shards, counts, sizes, \
                checksums, classes, image shape, exact mean and std). Shards hold one image \
                size: the stored transforms' output, or, when the file does not fix it, the \
                first image's; an image of another size stops the run (exit 64) asking for a \
                resize or crop before the first random op. Shard K holds samples \
                K*N ..< (K+1)*N of the split (those that decode). Files are written to a \
                temporary name, synced and renamed, the index last, so a killed run never leaves \
                a shard or index that looks complete; rerunning keeps the shards that verify and \
                writes the rest. With --rank R --world-size W (or the scheduler's environment), \
                this process writes shards K with K % W == R and DIR/index-rank-R.json; `sluice \
                shard merge` then writes index.json. Train from them with \
                `data: {train: {shards: DIR}}` or `sluice train --shards DIR`. `sluice shard \
                verify DIR` checks every shard against the index.

                Examples:
                  sluice shard --pipeline pipelines/cifar10.yaml --output shards/cifar10
                  sluice shard verify shards/cifar10
                  sluice train --pipeline pipelines/cifar10.yaml --shards shards/cifar10
                """
        )

        @OptionGroup var pipeline: PipelineOptions

        @Option(help: "Folder of the shards.")
        var output: String

        @Option(name: .customLong("samples-per-shard"), help: "Samples per shard.")
        var samplesPerShard: Int = 10_000

        @OptionGroup var ranks: RankOptions

        @OptionGroup var data: DataOptions

        func validate() throws {
            guard samplesPerShard >= 1 else { throw ValidationError("--samples-per-shard must be at least 1") }
        }

        func run() throws {
            let (file, split) = try pipeline.load()
            let (rank, worldSize) = try ranks.resolve()
            guard let input = file.data[split]?.datasetInput else {
                throw CommandFailure.usage("\(file.path): split '\(split)' needs a folder, file list or IDX source to shard")
            }
            let dataset: Dataset
            do { dataset = try Dataset.listing([input]) } catch { throw CommandFailure.usage(error.description) }
            var decode = file.decodeOptions(split: split)
            decode.lenient = data.lenient
            decode.maxPixels = data.maxPixels
            let chain = try file.chain(split)
            let plan = ShardPlan(chain: chain, decode: decode, input: .image(height: nil, width: nil, channels: file.color.channels))
            guard let imageShape = plan.storedShape(from: BatchLoader.inputShape(of: dataset, channels: file.color.channels))
                ?? ShardJob.probeShape(dataset, plan: plan, decode: decode) else {
                throw CommandFailure.usage("\(file.path): no sample of split '\(split)' could be read")
            }
            let job = ShardJob(dataset: dataset, plan: plan, decode: decode, imageShape: imageShape,
                               classes: file.classNames ?? dataset.classes, split: split, samplesPerShard: samplesPerShard,
                               rank: rank, worldSize: worldSize, workers: data.workers)
            let failures = ProgressCounter(total: 0)
            let failFast = data.onError == .fail
            let start = DispatchTime.now().uptimeNanoseconds
            var written = 0, kept = 0, samples = 0, bytes = 0
            let index: ShardIndex
            do {
                index = try job.run(into: output, onFailure: { error in
                    Terminal.error("skipped \(error.description)")
                    failures.add()
                }, onShard: { shard, reused in
                    if reused { kept += 1 } else { written += 1 }
                    samples += shard.count
                    bytes += shard.bytes
                    if SystemInfo.stderrIsTerminal {
                        Terminal.status("\rshard \(written + kept)/\(job.ownShards.count), \(Terminal.count(samples)) samples\u{1B}[K")
                    }
                })
            } catch {
                throw CommandFailure.usage(error.description)
            }
            if SystemInfo.stderrIsTerminal { Terminal.status("\r\u{1B}[K") }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let shape = imageShape.map(String.init).joined(separator: "x")
            print("\(Terminal.count(index.storedSamples)) samples of \(shape) in \(index.shards.count) shards (\(written) written, \(kept) kept), " +
                  "\(Terminal.fixed(Double(bytes) / 1_048_576, 1)) MiB; mean \(index.mean.map { Terminal.fixed($0) }.joined(separator: ", ")), " +
                  "std \(index.std.map { Terminal.fixed($0) }.joined(separator: ", "))")
            Terminal.status("sluice shard: rank \(rank) of \(worldSize), \(Terminal.count(samples)) samples, \(failures.completed) failed, " +
                            "\(Terminal.fixed(seconds, 2)) s, \(Terminal.count(Int(Double(samples) / max(seconds, 1e-9)))) img/s; \((output as NSString).appendingPathComponent(job.indexName))\n")
            if failFast && failures.completed > 0 { throw CommandFailure.data("\(failures.completed) samples could not be read (--on-error fail)") }
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Combine the partial indexes of a multi-rank shard job into one index.json.",
            discussion: """
                Reads every index-rank-*.json in the given folders; every rank of the job must be \
                there once. Exit 64 if not. The --output folder is made if missing; shards of \
                rank folders outside it are hard-linked into it (copied across file systems), \
                since an index names files in its own folder only.

                Example: sluice shard merge shards/photos --output shards/photos
                """
        )

        @Argument(help: "Folders written by the ranks (often just one shared folder).")
        var folders: [String]

        @Option(help: "Folder to write index.json into (default: the first folder).")
        var output: String?

        func run() throws {
            var parts: [(index: ShardIndex, folder: String)] = []
            for folder in folders {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                    .filter { $0.hasPrefix("index-rank-") && $0.hasSuffix(".json") }.sorted()
                guard !names.isEmpty else { throw CommandFailure.usage("\(folder): no index-rank-*.json (run `sluice shard` with --rank and --world-size)") }
                for name in names {
                    do { parts.append((try ShardIndex.read((folder as NSString).appendingPathComponent(name)), folder)) } catch {
                        throw CommandFailure.usage(error.description)
                    }
                }
            }
            let target = output ?? folders[0]
            try OutputFile.makeFolder(target)
            do {
                let merged = try ShardIndex.merge(try ShardIndex.bringInside(parts, output: target), into: target)
                try AtomicFile.write(Array(try merged.encoded()), to: (target as NSString).appendingPathComponent("index.json"))
                Terminal.status("sluice shard merge: \(parts.count) ranks, \(merged.shards.count) shards, \(Terminal.count(merged.storedSamples)) samples; \((target as NSString).appendingPathComponent("index.json"))\n")
            } catch let error as ShardError {
                throw CommandFailure.usage(error.description)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check every shard of a folder against its index: sizes, shapes and each tensor's CRC-32C.",
            discussion: """
                Names each damaged or missing shard and tensor, and checks the index itself (each \
                shard once, files inside the folder, counts, the mean and std against the exact \
                sums of the stored pixels); exit 65 if anything is damaged, 64 if DIR has no index.

                Example: sluice shard verify shards/cifar10
                """
        )

        @Argument(help: "Folder holding index.json.")
        var folder: String

        func run() throws {
            let index: ShardIndex, indexPath = (folder as NSString).appendingPathComponent("index.json")
            guard FileManager.default.fileExists(atPath: indexPath) else {
                throw CommandFailure.usage("\(folder): no index.json: not a shard folder (after a run over ranks, `sluice shard merge \(folder)` writes it)")
            }
            do { index = try ShardIndex.read(indexPath) } catch {
                throw CommandFailure.data(error.description)   // damaged or edited: a data error, as a damaged shard
            }
            var bad = 0
            for shard in index.shards {
                do {
                    try ShardFile.verify((folder as NSString).appendingPathComponent(shard.file), shard: shard, index: index)
                } catch {
                    Terminal.error(error.description)
                    bad += 1
                }
            }
            if index.ranks.count != index.worldSize { Terminal.error("\(folder): the index covers ranks \(index.ranks) of \(index.worldSize)"); bad += 1 }
            Terminal.status("sluice shard verify: \(index.shards.count - bad) of \(index.shards.count) shards intact, \(Terminal.count(index.storedSamples)) samples\n")
            if bad > 0 { throw CommandFailure.data("\(bad) damaged or missing shards in \(folder)") }
        }
    }
}
