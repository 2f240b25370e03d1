import ArgumentParser
import DataPipeline
import DatasetSources
import Foundation
import ImageCodecs
import ImageTransforms
import PipelineConfig
import TensorShards
import Trainer

struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show a pipeline's plan without running it: sources and counts, each transform with its output shape, the model.",
        discussion: """
            Runs every check that train and the feeder would run before their first sample: \
            each split's source exists; its chain fits the sizes the source gives (IDX and \
            shards fix them; for folders and file lists, the headers of up to \(DescribeCommand.headerSample) \
            images spread over the split are read); the model takes the train split's output, \
            the validation split gives the same shape, and the last layer scores every label \
            of the data. It prints the whole plan, then exits 64 naming each problem. The model \
            table gives each layer's output shape, parameter count and receptive field.

            Example: sluice describe pipelines/fashion-mnist.yaml
            """
    )

    @Argument(help: "Pipeline file.")
    var pipeline: String

    /// Images per split whose headers are read to check the chain against their sizes.
    static let headerSample = 256

    func run() throws {
        let file: PipelineFile
        do { file = try PipelineFile.load(pipeline) } catch { throw CommandFailure.usage(error.description) }
        print("pipeline \(file.path): version \(file.version), seed \(file.seed), decode color \(file.color.rawValue)")
        let channels = file.color.channels
        var sampleShapes: [String: [Int]] = [:]
        var problems: [String] = []
        var labelCounts: [String: Int] = [:]
        var outputs: [String: SampleShape] = [:]
        for split in file.splits {
            var chain = try file.chain(split)
            print("\nsplit \(split)")
            var fixedShape: SampleShape?
            var dataset: Dataset?
            if let source = file.data[split] {
                let reading = describe(source)
                print("  source       \(reading.text)")
                if let problem = reading.problem { problems.append("data.\(split): \(problem)") }
                // The source is read once: an IDX set is a whole decompression.
                dataset = reading.dataset ?? (try? file.feed(split).dataset)
                if case .idx(let set)? = reading.dataset?.parts.first {
                    fixedShape = .image(height: set.height, width: set.width, channels: set.channels)
                }
                if case .shards(let path) = source, let index = try? ShardIndex.read((path as NSString).appendingPathComponent("index.json")) {
                    // The shards hold the stored transforms' output; only the rest runs on reading.
                    let plan = ShardPlan(chain: chain, decode: file.decodeOptions(split: split), input: .image(height: nil, width: nil, channels: channels))
                    if !plan.stored.transforms.isEmpty {
                        print("  stored       " + plan.stored.transforms.map(\.description).joined(separator: ", ") + " (done by sluice shard)")
                    }
                    chain = plan.remaining
                    fixedShape = .image(height: index.imageShape[0], width: index.imageShape[1], channels: index.imageShape[2])
                }
            }
            let input = fixedShape ?? .image(height: nil, width: nil, channels: channels)
            let shapes: [SampleShape]
            do { shapes = try chain.shapes(from: input) } catch {
                throw CommandFailure.usage("\(file.path): transforms.\(split): \(error.message)")
            }
            print("  input        \(input)")
            if let dataset {
                if fixedShape == nil { problems += checkSizes(dataset, chain: chain, decode: file.decodeOptions(split: split), split: split) }
                labelCounts[split] = Self.labelCount(dataset)
            }
            let prefix = chain.deterministicPrefixCount
            for (position, transform) in chain.transforms.enumerated() {
                let tag = transform.isRandom ? "  (random)" : position < prefix ? "  (deterministic prefix)" : ""
                let shape = shapes[position].description.padding(toLength: 27, withPad: " ", startingAt: 0)
                print("  \(String(format: "%2d", position)). \(shape)  \(transform.description)\(tag)")
            }
            outputs[split] = shapes.last
            if let last = shapes.last, case .tensor(let c?, let h?, let w?) = last {
                sampleShapes[split] = [c, h, w]
                let batchBytes = file.loader.batchSize * c * h * w * 4
                let megabytes = Double(batchBytes * (file.loader.prefetch + 1)) / 1_048_576
                print("  batch        float32 [\(file.loader.batchSize), \(c), \(h), \(w)], \(String(format: "%.1f", Double(batchBytes) / 1_048_576)) MiB; with prefetch \(file.loader.prefetch): \(String(format: "%.1f", megabytes)) MiB")
            }
            if let batchOps = file.batchTransforms[split] {
                let ops = batchOps.mixes.map(\.description).joined(separator: " | ")
                let classes = (batchOps.classes ?? file.classNames?.count).map { "\($0)" } ?? "the dataset's classes"
                print("  batch ops    \(ops)\(batchOps.mixes.count > 1 ? " (one per batch, uniformly)" : ""): soft targets float32 [N, \(classes)]")
            }
        }
        if file.model != nil {
            problems += try describeModel(file, inputShape: sampleShapes["train"] ?? sampleShapes[file.splits[0]], sampleShapes: sampleShapes,
                                          labelCounts: labelCounts, trainOutput: outputs["train"])
        }
        guard problems.isEmpty else {
            print("")
            for problem in problems { Terminal.error(problem) }
            throw CommandFailure.usage("\(file.path): \(problems.count) problem\(problems.count == 1 ? "" : "s") above; train would stop on \(problems.count == 1 ? "it" : "them")")
        }
    }

    /// The model's table and plan; returns what train would refuse (other shapes per split,
    /// labels the last layer does not score).
    private func describeModel(_ file: PipelineFile, inputShape: [Int]?, sampleShapes: [String: [Int]],
                               labelCounts: [String: Int], trainOutput: SampleShape?) throws -> [String] {
        guard let inputShape, let settings = file.train else {
            if file.train != nil, case .tensor(nil, _?, _?)? = trainOutput {
                return ["model: the channels of the images are not fixed, so the model cannot be built: set decode: {color: rgb} (or gray)"]
            }
            print("\nmodel: the train split's transforms do not fix the input size (add a crop or resize), so the model cannot be checked yet")
            return file.train != nil ? ["transforms.train: train needs a float tensor of fixed size: end the chain with a crop or resize, then to_float"] : []
        }
        let model: Model
        do { model = try file.buildModel(inputShape: inputShape) } catch { throw CommandFailure.usage(error.description) }
        var problems: [String] = []
        if let split = settings.validationSplit, let shape = sampleShapes[split], shape != inputShape {
            problems.append("transforms.\(split): the validation split gives \(shape) per sample, train gives \(inputShape); the model takes one shape (end both chains with the same crop or resize)")
        }
        if let names = file.classNames, names.count != model.classes {
            problems.append("classes: \(names.count) names, the model's last layer scores \(model.classes) classes")
        }
        for (split, count) in labelCounts.sorted(by: { $0.key < $1.key }) where split == "train" || split == settings.validationSplit {
            if count > model.classes {
                let scores = model.classes == 1 ? "1 class" : "\(model.classes) classes"
                problems.append("model: the last layer scores \(scores), but split \(split) has labels 0-\(count - 1): give it \(count) units")
            } else if count < model.classes && split == "train" {
                let unused = model.classes - count == 1 ? "1 output is" : "\(model.classes - count) outputs are"
                print("\nnote: the last layer scores \(model.classes) classes and the train split has \(count) labels: \(unused) never a target")
            }
        }
        print("\nmodel")
        for line in ModelSummary(model).lines { print("  " + line) }
        let optimizerCopies = settings.optimizer.momentBuffers
        let megabytes = Double(model.parameterCount * 4 * (2 + optimizerCopies)) / 1_048_576
        print("  weights, gradients and \(settings.optimizer.name) state: \(String(format: "%.1f", megabytes)) MiB")
        var plan = "train        \(settings.epochs) epochs, \(settings.optimizer.name) learning rate \(settings.optimizer.learningRate), \(settings.schedule) schedule"
        if let stopping = settings.earlyStopping { plan += ", early stopping patience \(stopping.patience) min_delta \(stopping.minDelta)" }
        plan += settings.validationSplit.map { ", validation on \($0)" } ?? ", no validation split"
        print("  " + plan)
        return problems
    }

    /// The source's line, what is wrong with it, and its samples (listed as the feeder lists
    /// them; shards are left to `feed`, which checks their digest).
    private func describe(_ source: PipelineFile.Source) -> (text: String, problem: String?, dataset: Dataset?) {
        switch source {
        case .folder(let path), .files(let path), .idx(images: let path, labels: _):
            let dataset: Dataset
            do { dataset = try Dataset.listing([source.datasetInput!]) } catch {
                let what = if case .idx = source { "IDX \(path) (not readable)" } else { "\(path) (not found)" }
                return (what, "\(error.description)\(Self.relativeHint(path))", nil)
            }
            if case .idx(let set)? = dataset.parts.first {
                return ("IDX \(path): \(Terminal.count(set.count)) images \(set.height)x\(set.width)x\(set.channels)\(set.labels != nil ? ", labelled" : "")",
                        nil, dataset)
            }
            guard dataset.count > 0 else { return ("\(path): no images", "\(path) holds no JPEG or PNG images", dataset) }
            let classes = dataset.classes.isEmpty ? "" : ", \(dataset.classes.count) classes"
            return ("\(path): \(Terminal.count(dataset.count)) images\(classes)", nil, dataset)
        case .shards(let path):
            let index: ShardIndex
            do { index = try ShardIndex.read((path as NSString).appendingPathComponent("index.json")) } catch {
                return ("shards \(path) (no readable index.json)", "\(error.description)\(Self.relativeHint(path)) (sluice shard writes it)", nil)
            }
            return ("shards \(path): \(Terminal.count(index.storedSamples)) images \(index.imageShape.map(String.init).joined(separator: "x")) in \(index.shards.count) shards", nil, nil)
        }
    }

    static func relativeHint(_ path: String) -> String {
        path.hasPrefix("/") ? "" : " (a relative path is read from the current folder, \(FileManager.default.currentDirectoryPath), or beside the pipeline file)"
    }

    /// The chain against the decoded sizes of up to `headerSample` images spread over the
    /// split, from their headers: the first failure, with its image and how many fail.
    private func checkSizes(_ dataset: Dataset, chain: TransformChain, decode: DecodeOptions, split: String) -> [String] {
        let count = min(dataset.count, Self.headerSample)
        guard count > 0 else { return [] }
        let decoder = ImageDecoder(options: decode)
        var first: String?
        var (checked, failed) = (0, 0)
        for index in Set((0..<count).map { $0 * dataset.count / count }).sorted() {
            guard case .file(let path, _) = dataset.sample(at: index), let size = try? decoder.decodedSize(ofFile: path) else { continue }
            checked += 1
            do { _ = try chain.shapes(from: .image(height: size.height, width: size.width, channels: size.channels)) } catch {
                failed += 1
                if first == nil { first = "\(error.message), on \(path) (\(size.width)x\(size.height))" }
            }
        }
        guard let first else { return [] }
        return ["transforms.\(split): \(first); \(failed) of the \(checked) images checked fail so"]
    }

    /// How many labels the split's data has (classes of a folder, else the largest label + 1).
    static func labelCount(_ dataset: Dataset) -> Int? {
        if !dataset.classes.isEmpty { return dataset.classes.count }
        var largest = -1
        for index in 0..<dataset.count { largest = max(largest, dataset.sample(at: index).label ?? -1) }
        return largest >= 0 ? largest + 1 : nil
    }
}
