import ArgumentParser
import DatasetSources
import DataPipeline
import DatasetStatistics
import Foundation
import ImageCodecs
import TensorCore

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Exact per-channel mean/std and other statistics of a dataset.",
        subcommands: [Measure.self, Merge.self],
        defaultSubcommand: Measure.self
    )

    struct Measure: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "measure",
            abstract: "Exact per-channel mean/std and other statistics of a dataset.",
            usage: """
                sluice stats PATH... [--json FILE] [--report DIR] [--checks] [--color auto|rgb|gray] [--split S] [--workers N] [--on-error skip|fail] [--rank R --world-size W]
                  sluice stats merge PART.json... [--json FILE] [--report DIR]
                """,
            discussion: """
                Values are on the [0, 1] scale. std is the population std over all pixels of the \
                dataset (what normalize needs); per-image std mean is the average of per-image stds, \
                often published by mistake as the dataset std. Sums are exact integers, so results \
                are the same for any --workers, and partial results merge exactly: `sluice stats merge PART.json... --json FILE`.

                PATH may be a folder (recursive; a folder of sub-folders is class-per-folder), a \
                file list (`path [label]` per line), an IDX file (plain or .gz), an image, or a \
                pipeline file (.yaml, .yml, .json), whose --split source is measured with its \
                decode colour unless --color is given.

                With --rank R --world-size W (or the scheduler's environment: RANK/WORLD_SIZE, \
                SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, JOB_COMPLETION_INDEX), this process \
                measures samples R, R+W, R+2W, ...; `stats merge` of the W results equals one run.

                --report DIR also writes a dataset health report: DIR/index.html (one page, no \
                network: intensity histograms, sizes, class balance with thumbnails, and \
                cleanvision's checks, exact and near duplicates, dark, light, blurry, \
                low_information, odd_aspect_ratio, odd_size and grayscale, with the flagged images) \
                and DIR/report.json. With ranks, measure each with --checks --json PART, then \
                `stats merge PART... --report DIR` (docs/HEALTH.md).

                Examples:
                  sluice stats samples/
                  sluice stats pipelines/fashion-mnist.yaml --json runs/stats.json
                  sluice stats mydata/ --rank 0 --world-size 2 --json part-0.json
                  sluice stats merge part-0.json part-1.json --json all.json
                  sluice stats mydata/ --report runs/health
                """
        )

        @Argument(help: "Folders, file lists, IDX files, images or pipeline files.")
        var paths: [String]

        @Option(help: "Write the results as JSON to this file ('-' for stdout).")
        var json: String?

        @Option(help: "auto: 1 channel if every image is grayscale, else 3; rgb: 3 (gray replicated); gray: 1 (colour converted as Pillow's convert(\"L\")). Default: auto, or a pipeline file's decode colour.")
        var color: ColorMode?

        @Option(help: "With a pipeline file: the split whose source to measure.")
        var split: String = "train"

        @Option(help: ArgumentHelp("Also write a dataset health report to this folder: index.html (one page, no network) and report.json.", valueName: "DIR"))
        var report: String?

        @Flag(help: "Measure each image for the health checks and keep the measurements in --json, for `stats merge --report` (implied by --report).")
        var checks = false

        @OptionGroup var data: DataOptions

        @OptionGroup var ranks: RankOptions

        func run() throws {
            let (inputs, pipelineColor, classNames): ([Dataset.Input], ColorMode?, [String]?)
            do { (inputs, pipelineColor, classNames) = try PipelineInputs.resolve(paths, split: split) } catch { throw CommandFailure.usage(error.message) }
            let (rank, worldSize) = try ranks.resolve()
            let dataset: Dataset
            do {
                let everything = try Dataset.listing(inputs)
                guard everything.count > 0 else {
                    throw CommandFailure.usage("no images in \(paths.joined(separator: ", ")): Sluice reads JPEG and PNG files (recognised by "
                                               + "content), in folders (recursively), file lists, IDX files or a pipeline file's split")
                }
                dataset = everything.strided(rank: rank, worldSize: worldSize)
            } catch let error as DatasetError {
                throw CommandFailure.usage(error.description)
            }
            let runner = StatisticsRunner(
                color: color ?? pipelineColor ?? .auto, workers: data.workers, decode: data.decodeOptions(),
                stopOnError: data.onError == .fail, health: checks || report != nil)
            let counter = ProgressCounter(total: dataset.count)
            let display = ProgressDisplay(counter, label: "stats")
            let outcome = runner.run(dataset, progress: counter)
            let seconds = display.finish()

            let report = StatisticsReport(outcome.accumulator).namingClasses(classNames)   // a pipeline file's `classes:`
            if let stoppedAt = outcome.stoppedAt {
                throw CommandFailure.data("\(stoppedAt.path): \(stoppedAt.error)")
            }
            for failure in report.failed { Terminal.error("skipped \(failure.path): \(failure.error)") }
            if let json { try StatsOutput.writeJSON(report, seconds: seconds, inputs: paths, to: json) }
            if json != "-" { print(StatsOutput.table(report)) }
            if let folder = self.report { try StatsOutput.writeReport(report, title: paths.joined(separator: " "), to: folder, workers: data.workers, quiet: json == "-") }
            let rate = Double(report.images) / max(seconds, 1e-9)
            Terminal.status("sluice stats: \(Terminal.count(report.images)) images, \(report.failed.count) failed, " +
                "\(Terminal.fixed(seconds, 2)) s, \(Terminal.count(Int(rate))) img/s\n")
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Combine partial results (from --json of ranks or runs) exactly into one.",
            discussion: "Example: sluice stats merge part-*.json --json all.json"
        )

        @Argument(help: "JSON files written by `sluice stats --json`.")
        var parts: [String]

        @Option(help: "Write the combined results as JSON to this file ('-' for stdout).")
        var json: String?

        @Option(help: ArgumentHelp("Write the dataset health report of the combined results to this folder (the parts must have been measured with --checks).", valueName: "DIR"))
        var report: String?

        func run() throws {
            var total: StatisticsAccumulator?
            var seconds = 0.0
            var classNames: [String]??   // nil until the first part; the parts must agree
            var inputs: [[String]] = []
            for part in parts {
                let partial: StatsOutput.Partial
                do {
                    partial = try JSONDecoder().decode(StatsOutput.Partial.self, from: Data(contentsOf: URL(fileURLWithPath: part)))
                } catch {
                    throw CommandFailure.usage("\(part): not a `sluice stats --json` result (\(error.localizedDescription))")
                }
                seconds += partial.seconds ?? 0
                if let names = classNames, names != partial.class_names {
                    throw CommandFailure.usage("\(part): its classes are named \(partial.class_names.map { "\($0)" } ?? "by their labels"), the parts before it \(names.map { "\($0)" } ?? "by their labels"): merge parts of one pipeline file")
                }
                classNames = .some(partial.class_names)
                if let named = partial.inputs, !inputs.contains(named) { inputs.append(named) }
                if total == nil {
                    total = partial.exact
                } else {
                    do { try total!.merge(partial.exact) } catch { throw CommandFailure.usage("\(part): \(error.description)") }
                }
            }
            guard let total else { throw CommandFailure.usage("no parts to merge") }
            let report = StatisticsReport(total).namingClasses(classNames ?? nil)
            // The parts of one dataset name the same inputs: the report is titled as one run's.
            let named = inputs.count == 1 ? inputs[0] : parts
            if let json { try StatsOutput.writeJSON(report, seconds: seconds, inputs: named, to: json) }
            if json != "-" { print(StatsOutput.table(report)) }
            if let folder = self.report { try StatsOutput.writeReport(report, title: named.joined(separator: " "), to: folder, workers: ProcessInfo.processInfo.activeProcessorCount, quiet: json == "-") }
        }
    }
}
