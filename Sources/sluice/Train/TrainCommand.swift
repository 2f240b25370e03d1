import ArgumentParser
import DataPipeline
import Foundation
import ImageCodecs
import PipelineConfig
import Safetensors
import TensorShards
import TensorCore
import Trainer

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the pipeline file's model on its train split, fed by the pipeline.",
        discussion: """
            Each epoch trains on the train split (in the epoch's order, with its random \
            transforms) and then evaluates on the validation split (train.validation, or the \
            split named test). With train.early_stopping, training stops when the validation \
            loss has not improved by more than min_delta for patience epochs; the best weights \
            are kept. Writes to --output: model.safetensors (best weights, PyTorch \
            nn.Sequential names), checkpoint.safetensors (last epoch, for --resume), \
            metrics.jsonl (a line per epoch), summary.txt (the layer table), curves.png, \
            confusion.png and run.json. The same file and seed give the same weights, and a \
            resumed run gives what an uninterrupted one would: --resume refuses other settings \
            than the run started with. A folder that holds a run is never overwritten without \
            --force.

            Examples:
              sluice train --pipeline pipelines/fashion-mnist.yaml --epochs 3
              sluice train --pipeline pipelines/fashion-mnist.yaml --epochs 3 --resume
              sluice train --pipeline pipelines/cifar10.yaml --train-samples 2000

            Mid-epoch: with --checkpoint-every N (or train.checkpoint_every) a checkpoint is also \
            written every N steps, and SIGTERM (Slurm preemption, scontrol requeue, Kubernetes \
            eviction) writes one after the current step and exits with 143; --resume then goes on \
            from that step and ends with the weights of an uninterrupted run.

            Exit codes: 0 success; 64 bad usage or pipeline file; 65 a bad sample under \
            --on-error fail; 70 internal error; 143 stopped by SIGTERM after writing a checkpoint.
            """
    )

    @Option(help: "Pipeline file with data, transforms, model and train blocks.")
    var pipeline: String

    @Option(help: "Epochs to train (default: the file's train.epochs).")
    var epochs: Int?

    @Option(help: "Folder for the run's outputs (default: runs/<pipeline name>).")
    var output: String?

    @Option(help: "Decode and transform workers (default: the file's loader.workers; auto leaves a core for training).")
    var workers: Int?

    @Option(help: "Threads for the model's computation (default: all cores when the train data is IDX, whose samples cost almost nothing to prepare; else the cores the loader workers leave).")
    var threads: Int?

    @Option(name: .customLong("train-samples"), help: "Train on the first N samples of the train split only (quick runs).")
    var trainSamples: Int?

    @Option(name: .customLong("val-samples"), help: "Evaluate on the first N samples of the validation split only.")
    var validationSamples: Int?

    @Flag(help: "Continue the run in --output from its checkpoint.safetensors (with the settings it started with), mid-epoch if it was saved there.")
    var resume = false

    @Option(name: .customLong("checkpoint-every"), help: ArgumentHelp("Also write checkpoint.safetensors every N steps within an epoch (default: the file's train.checkpoint_every, else at the end of each epoch only).", valueName: "N"))
    var checkpointEvery: Int?

    @Flag(help: "Start over in an --output that holds a finished or interrupted run (its files are removed first).")
    var force = false

    @Option(name: .customLong("on-error"), help: "skip: report each bad file and carry on; fail: end with exit 65 after the pass that met one.")
    var onError: OnError = .skip

    @Option(help: "Train from these tensor shards (written by sluice shard for the train split) instead of the file's train source.")
    var shards: String?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let threads, threads < 1 || threads > 64 { throw ValidationError("--threads must be between 1 and 64") }
        if let trainSamples, trainSamples < 1 { throw ValidationError("--train-samples must be at least 1") }
        if let checkpointEvery, checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1 (steps)") }
        if let validationSamples, validationSamples < 1 { throw ValidationError("--val-samples must be at least 1") }
        if resume && force { throw ValidationError("--resume continues a run and --force starts it over: pass one of them") }
    }

    func run() throws {
        let file: PipelineFile
        do { file = try PipelineFile.load(pipeline) } catch { throw CommandFailure.usage(error.description) }
        guard file.model != nil, var settings = file.train else {
            throw CommandFailure.usage("\(pipeline): no model block: add 'model:' and 'train:' (see pipelines/README.md)")
        }
        if let epochs { settings.epochs = epochs }
        if let checkpointEvery { settings.checkpointEvery = checkpointEvery }
        guard file.data["train"] != nil || shards != nil else { throw CommandFailure.usage("\(pipeline): no data for split 'train': add it under data: (e.g. data: {train: {folder: DIR}, test: {folder: DIR}}), or give --shards DIR") }

        let failures = FailureLog(failFast: onError == .fail)
        let trainLoader = try loader(file, split: "train", limit: trainSamples, shuffle: nil, shards: shards)
        let validationLoader = try settings.validationSplit.map { split -> BatchLoader in
            guard file.data[split] != nil else { throw CommandFailure.usage("\(pipeline): the validation split '\(split)' has no data") }
            return try loader(file, split: split, limit: validationSamples, shuffle: false)
        }
        if let validationLoader, validationLoader.sampleShape != trainLoader.sampleShape {
            throw CommandFailure.usage("\(pipeline): the \(settings.validationSplit!) split gives \(validationLoader.sampleShape) per sample, train gives \(trainLoader.sampleShape)")
        }
        let model: Model
        do { model = try file.buildModel(inputShape: trainLoader.sampleShape) } catch { throw CommandFailure.usage(error.description) }
        if let names = file.classNames, names.count != model.classes {
            throw CommandFailure.usage("\(pipeline): classes names \(names.count) classes, the model scores \(model.classes)")
        }
        let classNames = file.classNames ?? Self.classNames(trainLoader.dataset.classes, count: model.classes)
        let threads = self.threads ?? Self.computeThreads(for: shards.map { .shards($0) } ?? file.data["train"], workers: trainLoader.settings.workers)
        ComputeThreads.set(threads)

        let continuity = RunManifest.Continuity(pipelineText: (try? String(contentsOfFile: pipeline, encoding: .utf8)) ?? "", seed: file.seed,
                                                epochs: settings.epochs, trainSamples: trainSamples, validationSamples: validationSamples,
                                                shards: shards)
        let (folder, startedEpochs) = try prepareFolder(continuity: continuity)
        var run = TrainingRun(pipeline: pipeline, settings: settings, session: TrainingSession(model: model, optimizer: settings.optimizer, seed: file.seed),
                              trainLoader: trainLoader, validationLoader: validationLoader, folder: folder, failures: failures,
                              stopRequest: StopRequest())
        if resume { try run.resume(startedWithEpochs: startedEpochs) }
        try folder.write("summary.txt", text: (["model of \(pipeline), input \(model.inputShape), \(model.classes) classes"] + ModelSummary(model).lines)
            .joined(separator: "\n") + "\n")
        try folder.write("run.json", text: RunManifest.json(pipeline: pipeline, settings: settings, model: model,
                                                                 workers: trainLoader.settings.workers, threads: threads, continuity: continuity))

        let batches = (trainLoader.indices(epoch: 0).count + trainLoader.settings.batchSize - 1) / trainLoader.settings.batchSize
        print("model \(pipeline): input \(model.inputShape), \(model.classes) classes, \(Terminal.count(model.parameterCount)) parameters")
        print("train \(Terminal.count(trainLoader.dataset.count)) samples, \(batches) batches of \(trainLoader.settings.batchSize)" +
              (validationLoader.map { "; validation (\(settings.validationSplit!)) \(Terminal.count($0.dataset.count)) samples" } ?? "") +
              "; \(trainLoader.settings.workers) loader worker\(trainLoader.settings.workers == 1 ? "" : "s"), \(threads) compute thread\(threads == 1 ? "" : "s")")
        let start = DispatchTime.now().uptimeNanoseconds
        var trainedImages = 0
        do {
            for epoch in run.firstEpoch..<settings.epochs {
                if run.stopping?.shouldStop == true { break }
                trainedImages += try run.train(epoch: epoch, batches: batches)
            }
        } catch {
            // A new run that ends before its first epoch leaves no half-made run behind (but a
            // run stopped by SIGTERM leaves the checkpoint it stopped to write).
            if case CommandFailure.stopped = error {} else if !resume && run.records.isEmpty { folder.removeRunFiles() }
            throw error
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var final = "sluice train: \(run.records.count) epoch\(run.records.count == 1 ? "" : "s"), \(Terminal.fixed(seconds, 1)) s, \(Terminal.count(Int(Double(trainedImages) / max(seconds, 1e-9)))) img/s trained"
        if let best = try run.evaluateBest(classNames: classNames) { final += "; " + best }
        print("weights: \(folder.file("model.safetensors"))")
        Terminal.status(final + "\n")
        if failures.count > 0 { Terminal.error("\(failures.count) bad samples were skipped") }
    }

    /// The run folder: a new run must not overwrite a run there (unless --force), and --resume
    /// must continue one with the settings it started with; with the epoch count that run
    /// started with, when its run.json says.
    private func prepareFolder(continuity: RunManifest.Continuity) throws -> (RunFolder, Int?) {
        let path = output ?? "runs/" + ((pipeline as NSString).lastPathComponent as NSString).deletingPathExtension
        let holdsRun = RunFolder.holdsRun(path)
        if resume {
            guard holdsRun else { throw CommandFailure.usage("\(path) holds no run to resume: train without --resume first") }
            let folder = try RunFolder(path: path)
            guard let manifest = folder.readManifest() else { return (folder, nil) }
            let changes = continuity.differences(from: manifest)
            guard changes.isEmpty else {
                throw CommandFailure.usage("cannot resume \(path) with other settings than it started with (" + changes.joined(separator: "; ")
                                           + "): the result would not be that of one run. Resume with the same settings, or start a new run with --output or --force")
            }
            return (folder, (manifest["epochs"] as? NSNumber)?.intValue)
        }
        if holdsRun && !force {
            let epochs = RunFolder(existing: path).readMetrics().count
            throw CommandFailure.usage("\(path) already holds a run (\(epochs) epoch\(epochs == 1 ? "" : "s") done): --resume continues it, "
                                       + "--force starts it over, --output NAME keeps both")
        }
        let folder = try RunFolder(path: path)
        if force { folder.removeRunFiles() }
        return (folder, nil)
    }

    private func loader(_ file: PipelineFile, split: String, limit: Int?, shuffle: Bool?, shards: String? = nil) throws -> BatchLoader {
        do {
            return try BatchLoader(pipeline: file, split: split, workers: workers, cores: SystemInfo.coreCount, limit: limit,
                                   shuffle: shuffle, shards: shards)
        } catch let error as PipelineError {
            throw CommandFailure.usage(error.description)
        } catch let error as ShardError {
            throw CommandFailure.data("\(error.description) (sluice shard verify names every damaged shard; rerun sluice shard to rewrite them)")
        } catch {
            throw CommandFailure.usage("\(file.path): split '\(split)': \(error)")
        }
    }

    /// Decoding workers and the trainer share the cores. IDX records and shards
    /// are copies, so there the loader's worker is nearly idle and the trainer takes every core.
    static func computeThreads(for source: PipelineFile.Source?, workers: Int) -> Int {
        switch source {
        case .idx?, .shards?: return SystemInfo.coreCount
        default: break
        }
        return max(1, SystemInfo.coreCount - workers)
    }

    /// Folder class names, or the label numbers.
    static func classNames(_ classes: [String], count: Int) -> [String] {
        (0..<count).map { $0 < classes.count ? classes[$0] : "\($0)" }
    }
}
