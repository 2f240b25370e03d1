import DataPipeline
import Foundation
import ModelSpec
import Trainer

/// One run of `sluice train` in progress: the session, its loaders, the run folder, and what
/// has been recorded so far (epochs, early stopping). Each epoch trains, evaluates, and writes
/// the metrics, the best weights, a checkpoint and the curves.
struct TrainingRun {
    let pipeline: String
    let settings: TrainSettings
    let session: TrainingSession
    let trainLoader: BatchLoader
    let validationLoader: BatchLoader?
    let folder: RunFolder
    let failures: FailureLog
    /// SIGTERM: checkpoint after the current step and stop.
    let stopRequest: StopRequest?
    private(set) var stopping: EarlyStopping?
    private(set) var records: [EpochRecord] = []
    private(set) var firstEpoch = 0
    /// Where the first epoch stands when a checkpoint made part way through it was resumed.
    private var resumedPass: (progress: PassProgress, feeder: LoaderState)?

    init(pipeline: String, settings: TrainSettings, session: TrainingSession, trainLoader: BatchLoader, validationLoader: BatchLoader?,
         folder: RunFolder, failures: FailureLog, stopRequest: StopRequest? = nil) {
        self.stopRequest = stopRequest
        self.pipeline = pipeline
        self.settings = settings
        self.session = session
        self.trainLoader = trainLoader
        self.validationLoader = validationLoader
        self.folder = folder
        self.failures = failures
        stopping = settings.earlyStopping
    }

    /// Continues from the folder's checkpoint: weights, optimizer state, epochs done, early
    /// stopping record and the metrics of those epochs. Another epoch count than the run
    /// started with is refused when the schedule gave the epochs done other rates under it.
    mutating func resume(startedWithEpochs: Int?) throws {
        let checkpoint: TrainingCheckpoint
        do {
            checkpoint = try TrainingCheckpoint.restore(try folder.read("checkpoint.safetensors"), into: session, earlyStopping: stopping)
        } catch let error as ModelError {
            throw CommandFailure.usage("\(folder.file("checkpoint.safetensors")): \(error.message)")
        }
        firstEpoch = checkpoint.completedEpochs
        if let startedWithEpochs, startedWithEpochs != settings.epochs {
            let base = settings.optimizer.learningRate
            let changed = (0..<firstEpoch).first {
                settings.schedule.rate(base: base, epoch: $0, epochs: startedWithEpochs) != settings.schedule.rate(base: base, epoch: $0, epochs: settings.epochs)
            }
            if let changed {
                throw CommandFailure.usage("cannot resume \(folder.path) with --epochs \(settings.epochs): it started with \(startedWithEpochs), and the "
                                           + "\(settings.schedule) schedule gives epoch \(changed + 1) another learning rate under \(settings.epochs). "
                                           + "Resume with --epochs \(startedWithEpochs), or start a new run with --output or --force")
            }
        }
        stopping = checkpoint.earlyStopping
        records = folder.readMetrics().filter { $0.epoch <= firstEpoch }
        guard firstEpoch < settings.epochs else {
            throw CommandFailure.usage("nothing to train: \(folder.path) already has \(firstEpoch) epochs")
        }
        if let part = checkpoint.inProgress {
            let state: LoaderState
            do {
                state = try JSONDecoder().decode(LoaderState.self, from: Data(part.feederState.utf8))
            } catch {
                throw CommandFailure.usage("\(folder.file("checkpoint.safetensors")): its feeder state cannot be read (\(error))")
            }
            resumedPass = (part.progress, state)
            print("resuming \(folder.path) in epoch \(firstEpoch + 1), after step \(part.progress.steps)")
        } else {
            print("resuming \(folder.path) after epoch \(firstEpoch)")
        }
    }

    /// Trains and evaluates epoch `epoch` (0-based) and writes its outputs; returns the images trained.
    mutating func train(epoch: Int, batches: Int) throws -> Int {
        session.optimizer.learningRate = settings.schedule.rate(base: settings.optimizer.learningRate, epoch: epoch, epochs: settings.epochs)
        let progress = EpochProgress(epoch: epoch + 1, epochs: settings.epochs, batches: batches)
        let resumed = resumedPass
        resumedPass = nil
        let (session, trainLoader, failures) = (self.session, self.trainLoader, self.failures)
        let iterator: BatchIterator
        do {
            iterator = try resumed.map { try trainLoader.epoch(resuming: $0.feeder, onFailure: failures.report) }?.makeIterator()
                ?? trainLoader.epoch(epoch, onFailure: failures.report).makeIterator()
        } catch let error as LoaderStateError {
            throw CommandFailure.usage("\(folder.file("checkpoint.safetensors")): \(error.message)")
        }
        var saveError: (any Error)?
        var steps = resumed?.progress.steps ?? 0
        let (every, stopRequest, completed, earlyStopping) = (settings.checkpointEvery, self.stopRequest, epoch, self.stopping)
        let trained = try failures.run("train") {
            try session.train(IteratorSequence(iterator), epoch: epoch, from: resumed?.progress) { pass in
                steps = pass.steps
                progress.update(batch: pass.steps, loss: pass.lossSum / Double(pass.samples))
                let stop = stopRequest?.isRequested == true
                guard stop || every.map({ pass.steps % $0 == 0 }) == true else { return .proceed }
                do {
                    let feeder = try JSONEncoder().encode(iterator.state)
                    let part = TrainingCheckpoint.EpochInProgress(progress: pass, feederState: String(decoding: feeder, as: UTF8.self))
                    try folder.write("checkpoint.safetensors",
                                     TrainingCheckpoint(completedEpochs: completed, earlyStopping: earlyStopping, inProgress: part).encoded(session).encoded())
                } catch {
                    saveError = error
                    return .stop
                }
                return stop ? .stop : .proceed
            }
        }
        if let saveError { throw saveError }
        if trained.stopped {
            throw CommandFailure.stopped("stopped by SIGTERM in epoch \(epoch + 1) after step \(steps): checkpoint written to "
                                         + "\(folder.file("checkpoint.safetensors")); the same command with --resume continues")
        }
        var fields = [("loss", trained.loss), ("accuracy", trained.accuracy)]
        var record = EpochRecord(epoch: epoch + 1, trainLoss: trained.loss, trainAccuracy: trained.accuracy, seconds: trained.seconds,
                                 imagesPerSecond: trained.imagesPerSecond, learningRate: session.optimizer.learningRate)
        var improved = true
        if let validation = try validate() {
            record.valLoss = validation.loss
            record.valAccuracy = validation.accuracy
            fields += [("val_loss", validation.loss), ("val_accuracy", validation.accuracy)]
            if stopping != nil {
                improved = stopping!.record(epoch: epoch + 1, loss: validation.loss)
            } else {
                improved = validation.loss <= (records.compactMap(\.valLoss).min() ?? .infinity)
            }
        }
        progress.finish(fields: fields)
        records.append(record)
        if improved {
            try folder.writeWeights(session.model, name: "model.safetensors", metadata: ["epoch": "\(epoch + 1)", "pipeline": pipeline])
        }
        // The checkpoint last: a run killed before it redoes the epoch, and rewrites the rest.
        try folder.writeMetrics(records)
        try folder.write("checkpoint.safetensors", TrainingCheckpoint(completedEpochs: epoch + 1, earlyStopping: stopping).encoded(session).encoded())
        try TrainingCharts.curves(records).write(to: folder, name: "curves.png")
        if let stopping, stopping.shouldStop {
            print("early stopping: no improvement of val_loss by more than \(stopping.minDelta) for \(stopping.patience) epochs")
        }
        return trained.samples
    }

    /// Loss, accuracy and confusion matrix on the validation split, if there is one.
    func validate() throws -> PassMetrics? {
        guard let validationLoader else { return nil }
        let (session, failures) = (self.session, self.failures)
        return try failures.run(settings.validationSplit ?? "validation") {
            try session.evaluate(validationLoader.epoch(0, onFailure: failures.report))
        }
    }

    /// Loads the best weights, evaluates them once more, writes the confusion matrix, and
    /// describes the result (nil without a validation split).
    func evaluateBest(classNames: [String]) throws -> String? {
        let best = try folder.read("model.safetensors")
        do { try session.model.load(best) } catch { throw CommandFailure.internal(error.message) }
        guard let validation = try validate() else { return nil }
        try TrainingCharts.confusion(validation.confusion, classNames: classNames).write(to: folder, name: "confusion.png")
        try folder.write("confusion.json", text: RunManifest.confusionJSON(validation.confusion, classNames: classNames))
        return "best epoch \(best.metadata["epoch"] ?? "?"): \(settings.validationSplit!) loss \(Terminal.fixed(validation.loss)), accuracy \(Terminal.fixed(validation.accuracy * 100, 2))%"
    }
}
